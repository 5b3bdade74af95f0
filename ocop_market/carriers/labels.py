"""The shop's own shipping label (nhãn gửi hàng), A6, for the post office and for any carrier whose API gives no
PDF: sender, recipient, order code, COD to collect, and the tracking code as a QR code and in large letters."""
from __future__ import annotations

import base64
import io

import segno
from flask import Response, current_app, render_template

from .. import pdf
from ..timeutil import utcnow
from . import services
from .models import Shipment


def qr_data_uri(text: str) -> str:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="svg", scale=4, border=1, dark="#000000")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def own_label_pdf(shipment: Shipment) -> bytes:
    po = shipment.producer_order
    html = render_template("carriers/label.html", shipment=shipment, po=po, order=po.order, producer=po.producer,
                           carrier=services.carrier_label(shipment.carrier), qr=qr_data_uri(shipment.tracking_code),
                           printed_at=utcnow(), font=pdf.DOCUMENT_FONT)
    return pdf.html_to_pdf(html, current_app.static_folder or "static")


def label_pdf(shipment: Shipment) -> bytes:
    """The carrier's own label when its API gives a PDF, else ours (a carrier out of reach: ours too)."""
    if shipment.carrier != services.SELF:
        try:
            own = services.adapter(shipment.carrier, current_app.config).label(shipment.tracking_code)
        except services.CarrierError as exc:
            current_app.logger.warning("label of %s from %s: %s; printing ours", shipment.tracking_code,
                                       shipment.carrier, exc)
            own = None
        except services.NotFound:  # the carrier is no longer configured
            own = None
        if own:
            return own
    return own_label_pdf(shipment)


def label_response(shipment: Shipment) -> Response:
    response = Response(label_pdf(shipment), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="nhan-{shipment.tracking_code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
