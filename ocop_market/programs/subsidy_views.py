"""Staff pages of the programme shipping subsidies (Quản trị › Hỗ trợ phí giao): list with the budget used and left,
fund, change, stop (after a confirm page). On the staff programmes blueprint, so closed to everyone but staff and
admin (commune officers included: budgets stay with the province); every change is audited by the services."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import audit, confirming
from ..accounts.models import Role
from ..accounts.services import users_by_id
from ..catalog.models import Producer
from ..db_tx import transaction
from ..errors import DomainError
from ..extensions import db
from . import projects, subsidies
from .forms import ShippingSubsidyForm
from .models import ShippingSubsidy
from .views import bp


def _households():
    """The households the account may choose: those of the provinces it manages."""
    stmt = select(Producer).order_by(Producer.name)
    if current_user.role != Role.ADMIN:
        stmt = stmt.where(Producer.province_id == (current_user.province_id or -1))
    return list(db.session.scalars(stmt))


def _form(obj: ShippingSubsidy | None = None) -> ShippingSubsidyForm:
    managed = [p for p in projects.projects_for(current_user) if projects.can_manage(current_user, p.province_id)]
    form = ShippingSubsidyForm(managed, _households())
    if obj is not None and not form.is_submitted():
        form.project_id.data = obj.project_id
        form.name.data = obj.name
        form.mode.data = obj.mode
        form.amount_vnd.data = obj.amount_vnd
        form.cap_per_order_vnd.data = obj.cap_per_order_vnd
        form.budget_vnd.data = obj.budget_vnd
        form.starts_on.data = subsidies.local_day(obj.starts_at)
        form.ends_on.data = subsidies.last_local_day(obj.ends_at)
        form.eligibility.data = obj.eligibility
        form.household_ids.data = [h.producer_id for h in obj.households]
    return form


def _data(form: ShippingSubsidyForm) -> subsidies.SubsidyData:
    return subsidies.SubsidyData(
        project_id=form.project_id.data, name=form.name.data or "", mode=form.mode.data,
        amount_vnd=form.amount_vnd.data, cap_per_order_vnd=form.cap_per_order_vnd.data,
        budget_vnd=form.budget_vnd.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        eligibility=form.eligibility.data, household_ids=list(form.household_ids.data or []))


def _form_page(form, subsidy, status):
    return render_template("programs/subsidy_form.html", form=form, subsidy=subsidy), status


@bp.get("/quan-tri/ho-tro-phi-giao")
def subsidy_list():
    rows = subsidies.subsidies_for(current_user)
    return render_template("programs/subsidies.html", subsidies=rows, state_of=subsidies.state_of)


@bp.route("/quan-tri/ho-tro-phi-giao/moi", methods=["GET", "POST"])
def subsidy_new():
    form = _form()
    if form.validate_on_submit():
        try:
            with transaction():
                subsidy = subsidies.create_subsidy(current_user, _data(form))
        except DomainError as err:
            form.form_errors.append(err.message)
            return _form_page(form, None, err.status_code)
        flash(_("Đã tạo chương trình hỗ trợ phí giao “%(name)s”.", name=subsidy.name), "success")
        return redirect(url_for(".subsidy_detail", subsidy_id=subsidy.id))
    return _form_page(form, None, 400 if form.is_submitted() else 200)


@bp.get("/quan-tri/ho-tro-phi-giao/<id:subsidy_id>")
def subsidy_detail(subsidy_id: int):
    subsidy = subsidies.subsidy_or_404(subsidy_id, current_user)
    entries = audit.entries_for("shipping_subsidy", subsidy.id)
    return render_template("programs/subsidy_detail.html", subsidy=subsidy, state=subsidies.state_of(subsidy),
                           uses=subsidies.uses_of(subsidy),
                           history=(entries, users_by_id({e.actor_id for e in entries if e.actor_id})))


@bp.route("/quan-tri/ho-tro-phi-giao/<id:subsidy_id>/sua", methods=["GET", "POST"])
def subsidy_edit(subsidy_id: int):
    subsidy = subsidies.subsidy_or_404(subsidy_id, current_user)
    form = _form(subsidy)
    if form.validate_on_submit():
        try:
            with transaction():
                subsidies.update_subsidy(current_user, subsidy, _data(form))
        except DomainError as err:
            form.form_errors.append(err.message)
            return _form_page(form, db.session.get(ShippingSubsidy, subsidy_id), err.status_code)
        flash(_("Đã lưu chương trình hỗ trợ phí giao."), "success")
        return redirect(url_for(".subsidy_detail", subsidy_id=subsidy_id))
    return _form_page(form, subsidy, 400 if form.is_submitted() else 200)


@bp.route("/quan-tri/ho-tro-phi-giao/<id:subsidy_id>/dung", methods=["GET", "POST"])
def subsidy_stop(subsidy_id: int):
    subsidy = subsidies.subsidy_or_404(subsidy_id, current_user)
    if confirming.is_confirmed():
        with transaction():
            subsidies.stop_subsidy(current_user, subsidy)
        flash(_("Đã dừng chương trình hỗ trợ phí giao “%(name)s”.", name=subsidy.name), "success")
        return redirect(url_for(".subsidy_detail", subsidy_id=subsidy_id))
    return confirming.page(confirming.Question(
        title=_("Dừng hỗ trợ phí giao này?"),
        question=_("Từ bây giờ, đơn đặt mới không còn được hỗ trợ phí giao từ “%(name)s”. Các đơn đã đặt vẫn giữ "
                   "khoản hỗ trợ của mình.", name=subsidy.name),
        button=_("Có, dừng hỗ trợ"),
        back_url=url_for(".subsidy_detail", subsidy_id=subsidy_id),
        facts=[(_("Dự án"), subsidy.project.code), (_("Ngân sách"), subsidy.budget_vnd),
               (_("Đã dùng"), subsidy.spent_vnd), (_("Còn lại"), subsidy.remaining_vnd)],
    ))
