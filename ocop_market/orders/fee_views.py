"""Staff edit the shipping fee table (bảng phí giao hàng): weight bands × zones, and a fee per further 500 g."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired, Optional

from ..accounts.permissions import STAFF_ROLES, guard_blueprint
from ..catalog.forms import WholeNumberField
from ..db_tx import transaction
from ..errors import InvalidInput
from . import fees

bp = Blueprint("staff_fees", __name__, url_prefix="/quan-tri/phi-giao-hang")
guard_blueprint(bp, *STAFF_ROLES)


def _fee_field(label):
    return WholeNumberField(label, validators=[InputRequired(_l("Vui lòng nhập phí (đồng, 0 nếu miễn phí)."))],
                            minimum=0, maximum=fees.MAX_FEE_VND)


class FeeTableForm(FlaskForm):
    """band_<i>: a band's upper weight (gam; blank rows are left out); fee_<zone>_<i>; extra_<zone>."""


for _i in range(fees.MAX_BANDS):
    setattr(FeeTableForm, f"band_{_i}", WholeNumberField(_l("Đến (gam), mức %(n)s", n=_i + 1), validators=[Optional()],
                                                         minimum=1, maximum=fees.MAX_BAND_GRAMS))
    for _zone in fees.ZONES:
        setattr(FeeTableForm, f"fee_{_zone}_{_i}", WholeNumberField(
            _l("%(zone)s, mức %(n)s (đồng)", zone=fees.ZONE_LABELS[_zone], n=_i + 1), validators=[Optional()],
            minimum=0, maximum=fees.MAX_FEE_VND))
for _zone in fees.ZONES:
    setattr(FeeTableForm, f"extra_{_zone}", WholeNumberField(
        _l("%(zone)s: mỗi 500 g thêm (đồng)", zone=fees.ZONE_LABELS[_zone]),
        validators=[InputRequired(_l("Vui lòng nhập phí mỗi 500 g thêm (0 nếu không tính)."))],
        minimum=0, maximum=fees.MAX_EXTRA_VND))


def _fill(form: FeeTableForm, table: fees.TableInput) -> None:
    for i, grams in enumerate(table.weights):
        form[f"band_{i}"].data = grams
        for zone in fees.ZONES:
            form[f"fee_{zone}_{i}"].data = table.fees[str(zone)][i]
    for zone in fees.ZONES:
        form[f"extra_{zone}"].data = table.extras[str(zone)]


def _read(form: FeeTableForm) -> fees.TableInput:
    """The rows with a weight, in the order typed (`fees.check` refuses them out of order); a row with a weight
    needs a fee in every zone."""
    weights: list[int] = []
    rows: dict[str, list[int]] = {str(z): [] for z in fees.ZONES}
    for i in range(fees.MAX_BANDS):
        grams = form[f"band_{i}"].data
        cells = [form[f"fee_{z}_{i}"].data for z in fees.ZONES]
        if grams is None:
            if any(c is not None for c in cells):
                raise InvalidInput(_("Mức %(n)s có phí nhưng chưa có khối lượng.", n=i + 1))
            continue
        if any(c is None for c in cells):
            raise InvalidInput(_("Vui lòng nhập phí của cả bốn vùng cho mức %(n)s.", n=i + 1))
        weights.append(grams)
        for zone, fee in zip(fees.ZONES, cells, strict=True):
            rows[str(zone)].append(fee)
    return fees.TableInput(weights, rows, {str(z): form[f"extra_{z}"].data for z in fees.ZONES})


@bp.route("/", methods=["GET", "POST"])
def edit():
    form = FeeTableForm()
    saved = fees.current_input()
    if request.method == "GET":
        _fill(form, saved or fees.default_input())
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                with transaction():
                    fees.save_table(_read(form), current_user)
            except InvalidInput as exc:
                flash(exc.message, "error")
            else:
                flash(_("Đã lưu bảng phí giao hàng. Giỏ hàng và trang sản phẩm tính theo bảng mới ngay."), "success")
                return redirect(url_for(".edit"))
    return render_template("orders/fee_table.html", form=form, saved=saved is not None, zones=fees.ZONES,
                           zone_labels=fees.ZONE_LABELS, bands=range(fees.MAX_BANDS),
                           step=fees.EXTRA_STEP_GRAMS), status
