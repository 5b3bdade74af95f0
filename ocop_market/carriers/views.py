"""Carrier pages: "Gửi hàng" with a carrier and the parcel's label (producer area, and the hub acting for a
household), the carriers' signed tracking webhook, and staff's Vận chuyển desk. Thin: each calls one service."""
from __future__ import annotations

import hashlib
import hmac
import logging

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import slots
from ..accounts.models import Role
from ..accounts.permissions import STAFF_ROLES, guard_blueprint, guard_blueprint_for
from ..catalog import hubs
from ..catalog import services as catalog
from ..db_tx import transaction
from ..errors import DomainError, NotFound
from ..extensions import csrf, db
from ..orders import producer_views
from ..orders import services as orders
from ..orders.forms import NoteForm
from ..paging import paginate
from ..timeutil import local_today
from . import ghn, labels, services
from .base import CarrierCode, CarrierError, MalformedWebhook, ShipmentStatus
from .forms import AttentionForm, CodReconcileForm, ShipForm
from .models import Shipment

log = logging.getLogger(__name__)

#: the header carrying HMAC-SHA256 of the raw body with CARRIER_WEBHOOK_SECRET, as "sha256=<hex>"
SIGNATURE_HEADER = "X-Ocop-Signature"
#: the adapters' readers of their carrier's webhook body (a carrier without webhooks is not here: 404)
WEBHOOK_PARSERS = {CarrierCode.GHN: ghn.parse_webhook}

producer_bp = Blueprint("producer_carriers", __name__, url_prefix="/gian-hang/don-hang")
guard_blueprint(producer_bp, Role.PRODUCER)
hub_bp = Blueprint("hub_carriers", __name__, url_prefix="/trung-tam/don-hang")
guard_blueprint_for(hub_bp, hubs.is_hub_member)
staff_bp = Blueprint("staff_carriers", __name__, url_prefix="/quan-tri/van-chuyen")
guard_blueprint(staff_bp, *STAFF_ROLES)
webhook_bp = Blueprint("carriers", __name__, url_prefix="/carriers")

PER_PAGE = 50


def register(app) -> None:
    for bp in (producer_bp, hub_bp, staff_bp, webhook_bp):
        app.register_blueprint(bp)
    slots.register("orders.part.ship", ship_form_slot)
    slots.register("orders.part.shipment", shipment_slot)
    app.jinja_env.globals.update(carrier_label=services.carrier_label, shipment_status_label=services.status_label,
                           tracking_event_label=services.event_label)


def _ship_form(po) -> ShipForm:
    form = g.get("carrier_ship_form") or ShipForm(formdata=None)
    form.carrier.choices = [(c, services.carrier_label(c)) for c in services.choices(current_app.config)]
    return form


# ---------------------------------------------------------------- slots on the order pages
def ship_form_slot(_slot: str, po=None, area: str = "producer") -> str | None:
    if po is None:
        return None
    endpoint = "hub_carriers.ship" if area == "hub" else "producer_carriers.ship"
    return render_template("carriers/_ship_form.html", po=po, form=_ship_form(po),
                           action=url_for(endpoint, po_id=po.id))


def shipment_slot(_slot: str, po=None, area: str = "buyer") -> str | None:
    if po is None:
        return None
    shipment = services.shipment_of(po)
    if shipment is None:
        return None
    label_endpoint = {"producer": "producer_carriers.label", "hub": "hub_carriers.label"}.get(area)
    return render_template("carriers/_shipment.html", shipment=shipment, area=area,
                           label_url=url_for(label_endpoint, po_id=po.id) if label_endpoint else None)


# ---------------------------------------------------------------- "Gửi hàng" with a carrier
def _ship(po, as_role: str, detail_endpoint: str, render_detail):
    form = ShipForm()
    form.carrier.choices = [(c, services.carrier_label(c)) for c in services.choices(current_app.config)]
    if form.validate_on_submit():
        try:
            shipped = services.ship_part(po, form.carrier.data, form.tracking_code.data, form.note.data or "",
                                         current_user, as_role, current_app.config)
        except DomainError as err:
            db.session.rollback()
            status = err.status_code
            if err.context.get("field") == "tracking_code":
                form.tracking_code.errors = [err.message]  # beside the field the producer typed
            else:
                flash(err.message, "error")
        except IntegrityError:  # the same tracking code typed for another part at the same moment
            db.session.rollback()
            status = 409
            flash(_("Mã vận đơn này vừa được dùng cho một đơn khác."), "error")
        else:
            if shipped.tracking_code:
                flash(_("Đơn %(code)s đã gửi: %(carrier)s, mã vận đơn %(t)s.", code=po.order.code,
                        carrier=services.carrier_label(shipped.carrier), t=shipped.tracking_code), "success")
            else:
                flash(_("Đơn %(code)s: %(state)s.", code=po.order.code, state=orders.status_label("shipped")),
                      "success")
            return redirect(url_for(detail_endpoint, po_id=po.id))
    else:
        status = 400
        if not form.errors.get("carrier") and not form.errors.get("tracking_code") and not form.errors.get("note"):
            flash(_("Phiên làm việc đã hết hạn; vui lòng thử lại."), "error")
    g.carrier_ship_form = form
    db.session.refresh(po)
    return render_detail(po), status


def _producer():
    producer = catalog.producer_of(current_user)
    if producer is None:
        abort(redirect(url_for("producer.onboarding")))
    return producer


@producer_bp.post("/<id:po_id>/gui-hang")
def ship(po_id: int):
    producer = _producer()

    def render(po):
        return render_template("orders/producer_detail.html", producer=producer, po=po,
                               steps=producer_views.part_steps(po), form=NoteForm(),
                               can_decline=producer_views.can_decline(po))
    return _ship(orders.producer_order_of(producer, po_id), "producer", "producer_orders.detail", render)


@producer_bp.get("/<id:po_id>/nhan-gui-hang")
def label(po_id: int):
    po = orders.producer_order_of(_producer(), po_id)
    return labels.label_response(_shipment_of(po))


@hub_bp.post("/<id:po_id>/gui-hang", endpoint="ship")
def hub_ship(po_id: int):
    def render(po):
        return render_template("hubs/order_detail.html", po=po, hub=hubs.acting_hub(current_user, po.producer_id),
                               steps=producer_views.part_steps(po), form=NoteForm(),
                               can_decline=producer_views.can_decline(po))
    return _ship(orders.hub_order(current_user, po_id), "hub", "hub.order_detail", render)


@hub_bp.get("/<id:po_id>/nhan-gui-hang", endpoint="label")
def hub_label(po_id: int):
    return labels.label_response(_shipment_of(orders.hub_order(current_user, po_id)))


def _shipment_of(po) -> Shipment:
    shipment = services.shipment_of(po)
    if shipment is None:
        raise NotFound(_("Phần đơn này chưa có vận đơn."))
    return shipment



# ---------------------------------------------------------------- the carriers' webhook
def signature_ok(raw: bytes, given: str | None, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").strip().encode())


@webhook_bp.post("/<carrier>/webhook")
@csrf.exempt  # a machine-to-machine call: the HMAC signature of the raw body is the check
def webhook(carrier: str):
    """A carrier's tracking update. Unknown carrier, or no CARRIER_WEBHOOK_SECRET configured: 404. A missing or
    wrong signature: 401, nothing read or kept. A signed body of the wrong shape: 400. A parcel we do not know: 200,
    ignored (logged). A redelivery: 200, nothing new (the event's key is stored once). A delivery of a parcel under
    way is acted on only once the carrier's API reports it too: 409 when it does not (yet), 503 when it cannot be
    asked; nothing is kept either way, so the carrier's retry is read afresh."""
    secret = current_app.config.get("CARRIER_WEBHOOK_SECRET") or ""
    parse = WEBHOOK_PARSERS.get(carrier)  # type: ignore[call-overload]
    if not secret or parse is None:
        return jsonify(error="no webhook for this carrier"), 404
    raw = request.get_data(cache=False, as_text=False)
    if not signature_ok(raw, request.headers.get(SIGNATURE_HEADER), secret):
        return jsonify(error="bad signature"), 401
    try:
        update = parse(raw)
    except MalformedWebhook as exc:
        log.warning("carrier %s webhook refused as malformed: %s", carrier, exc)
        return jsonify(error="malformed body", detail=str(exc)), 400
    with transaction():  # a read, ended before the carrier is asked
        confirm = services.needs_carrier_confirmation(carrier, update)
    if confirm:
        try:
            confirmed = services.carrier_confirms(carrier, update, current_app.config)
        except CarrierError as exc:
            log.warning("carrier %s: cannot confirm %s of %s: %s", carrier, update.status, update.tracking_code, exc)
            return jsonify(error="the carrier could not be asked to confirm; retry later"), 503
        if not confirmed:
            log.warning("carrier %s: %s of %s not confirmed by the carrier's API; nothing kept", carrier,
                        update.status, update.tracking_code)
            return jsonify(error="not confirmed by the carrier"), 409
    try:
        with transaction():
            outcome = services.apply_update(carrier, update)
    except IntegrityError:  # the twin of this delivery committed the same event a moment ago
        outcome = "duplicate"
    return jsonify(received=True, outcome=outcome), 200


# ---------------------------------------------------------------- staff: Quản trị › Vận chuyển
def _staff_page(form: CodReconcileForm, status: int = 200, summary=None):
    shipment_status = request.args.get("status") or None
    if shipment_status is not None and shipment_status not in set(ShipmentStatus):
        abort(400)
    attention = request.args.get("attention") == "1"
    result = paginate(services.staff_shipments(shipment_status, attention), PER_PAGE)
    return render_template("carriers/staff.html", result=result, status=shipment_status, attention=attention,
                           statuses=list(ShipmentStatus), form=form, summary=summary, clear_form=AttentionForm(),
                           args={k: v for k, v in (("status", shipment_status), ("attention", "1" if attention else None)) if v}), status


@staff_bp.get("/")
def staff_index():
    today = local_today()
    form = CodReconcileForm(formdata=None, start=today.replace(day=1), end=today)
    return _staff_page(form)


@staff_bp.post("/doi-soat-cod")
def staff_reconcile():
    form = CodReconcileForm()
    if not form.validate_on_submit():
        return _staff_page(form, 400)
    try:
        summary = services.reconcile_cod(current_user, CarrierCode.GHN, (form.start.data, form.end.data),
                                         current_app.config)
    except DomainError as err:
        form.form_errors.append(err.message)
        return _staff_page(form, err.status_code)
    flash(_("Đã đối soát %(n)s vận đơn COD; %(m)s chênh lệch.", n=summary["parcels"], m=summary["mismatches"]),
          "success" if not summary["mismatches"] else "warning")
    return redirect(url_for(".staff_index"))


@staff_bp.post("/<id:shipment_id>/da-xem")
def staff_clear(shipment_id: int):
    form = AttentionForm()
    if not form.validate_on_submit():
        abort(400)
    with transaction():
        shipment = services.clear_attention(current_user, shipment_id, form.note.data or "")
    flash(_("Đã ghi nhận: vận đơn %(code)s đã được xem.", code=shipment.tracking_code), "success")
    return redirect(url_for(".staff_index", attention="1"))
