"""Staff page of message deliveries that failed: the error, the attempts; send one again."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..accounts.notifications import KIND_LABELS
from ..db_tx import transaction
from ..messaging import services as messaging
from .forms import ConfirmForm
from .views import bp


@bp.get("/tin-nhan-loi")
def failed_messages():
    return render_template("admin/messages.html", messages=messaging.failed_messages(), kinds=KIND_LABELS,
                           max_attempts=current_app.config["MESSAGE_MAX_ATTEMPTS"], form=ConfirmForm())


@bp.post("/tin-nhan-loi/<id:message_id>/gui-lai")
def resend_message(message_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            message = messaging.resend(message_id)
            audit.record(current_user.id, "message.resend", "outbound_message", message.id,
                         channel=message.channel, template=message.template)
    except messaging.NotResendable as exc:
        flash(_("Không gửi lại được tin này: %(why)s", why=str(exc)), "error")
        return redirect(url_for(".failed_messages"))
    flash(_("Đã gửi lại tin nhắn."), "success")
    return redirect(url_for(".failed_messages"))
