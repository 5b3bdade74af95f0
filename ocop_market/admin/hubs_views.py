"""Staff pages of hubs (điểm bán, issue 12 §3): create a hub, add its members, link and unlink households.
Every change is audited by the hub services in the same transaction."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..accounts.services import users_by_id
from ..catalog import hubs, services
from ..catalog.models import Producer
from ..db_tx import transaction
from ..errors import DomainError
from ..extensions import db
from .forms import ConfirmForm, HubForm, HubHouseholdForm, HubMemberForm
from .views import bp


def _household_choices(hub) -> list[tuple[int, str]]:
    return [(p.id, f"{p.name} — {p.commune}") for p in hubs.linkable_households(hub)]


def _list_page(form: HubForm, status: int = 200):
    return render_template("admin/hubs.html", hubs=list(db.session.scalars(hubs.all_hubs())), form=form,
                           kind_label=hubs.kind_label), status


@bp.get("/diem-ban")
def hub_list():
    return _list_page(HubForm(provinces=services.provinces()))


@bp.post("/diem-ban")
def hub_create():
    form = HubForm(provinces=services.provinces())
    if not form.validate_on_submit():
        return _list_page(form, 400)
    try:
        with transaction():
            hub = hubs.create_hub(current_user, form.to_data())
    except DomainError as err:
        form.form_errors.append(err.message)
        return _list_page(form, err.status_code)
    flash(_("Đã tạo điểm bán “%(name)s”.", name=hub.name), "success")
    return redirect(url_for(".hub_detail", hub_id=hub.id))


def _detail_page(hub, member_form=None, household_form=None, status: int = 200):
    entries = audit.entries_for("hub", hub.id)
    return render_template(
        "admin/hub_detail.html", hub=hub, kind_label=hubs.kind_label, confirm_form=ConfirmForm(),
        member_form=member_form or HubMemberForm(),
        household_form=household_form or HubHouseholdForm(households=_household_choices(hub)),
        history=(entries, users_by_id({e.actor_id for e in entries if e.actor_id})),
    ), status


@bp.get("/diem-ban/<id:hub_id>")
def hub_detail(hub_id: int):
    return _detail_page(hubs.hub_or_404(hub_id))


def _act(hub, form, action, done: str, page_form: str):
    """Run one hub change for a form that validated; a refusal re-renders the page with its message."""
    try:
        with transaction():
            action()
    except DomainError as err:
        form.form_errors.append(err.message)
        db.session.expire_all()
        return _detail_page(hub, **{page_form: form}, status=err.status_code)
    flash(done, "success")
    return redirect(url_for(".hub_detail", hub_id=hub.id))


@bp.post("/diem-ban/<id:hub_id>/thanh-vien")
def hub_add_member(hub_id: int):
    hub = hubs.hub_or_404(hub_id)
    form = HubMemberForm()
    if not form.validate_on_submit():
        return _detail_page(hub, member_form=form, status=400)
    return _act(hub, form, lambda: hubs.add_member(current_user, hub, form.login.data or ""),
                _("Đã thêm thành viên."), "member_form")


@bp.post("/diem-ban/<id:hub_id>/thanh-vien/<id:user_id>/xoa")
def hub_remove_member(hub_id: int, user_id: int):
    hub = hubs.hub_or_404(hub_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(hub, HubMemberForm(), lambda: hubs.remove_member(current_user, hub, user_id),
                _("Đã bỏ thành viên."), "member_form")


@bp.post("/diem-ban/<id:hub_id>/ho")
def hub_link_household(hub_id: int):
    hub = hubs.hub_or_404(hub_id)
    form = HubHouseholdForm(households=_household_choices(hub))
    if not form.validate_on_submit():
        return _detail_page(hub, household_form=form, status=400)
    producer = db.session.get(Producer, form.producer_id.data)
    if producer is None:
        form.producer_id.errors = [_("Hộ sản xuất không hợp lệ.")]
        return _detail_page(hub, household_form=form, status=400)
    return _act(hub, form, lambda: hubs.link_household(current_user, hub, producer),
                _("Đã gắn hộ “%(name)s” với điểm bán.", name=producer.name), "household_form")


@bp.post("/diem-ban/<id:hub_id>/ho/<id:producer_id>/go")
def hub_unlink_household(hub_id: int, producer_id: int):
    hub = hubs.hub_or_404(hub_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(hub, HubHouseholdForm(households=_household_choices(hub)),
                lambda: hubs.unlink_household(current_user, hub, producer_id), _("Đã gỡ hộ khỏi điểm bán."),
                "household_form")


@bp.post("/diem-ban/<id:hub_id>/dong")
def hub_close(hub_id: int):
    return _set_active(hub_id, False)


@bp.post("/diem-ban/<id:hub_id>/mo")
def hub_open(hub_id: int):
    return _set_active(hub_id, True)


def _set_active(hub_id: int, active: bool):
    hub = hubs.hub_or_404(hub_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with transaction():
        hubs.set_active(current_user, hub, active)
    flash(_("Điểm bán đang hoạt động.") if hub.active else _("Đã đóng điểm bán."), "success")
    return redirect(url_for(".hub_detail", hub_id=hub.id))
