"""The receipt of one producer's part of an order (biên nhận bán hàng), as a PDF: lines, shipping, total in digits
and in words, seller and buyer, dates in Asia/Ho_Chi_Minh. Who may have it is the caller's business: each area
finds the part through its own owner-filtered query (buyer, producer, hub, staff) and then asks for this.

A receipt is not a VAT invoice (hóa đơn GTGT), which only the seller's own invoicing can issue; the buyer asks
for one separately and the receipt says so."""
from __future__ import annotations

from flask import Response, current_app, render_template

from .. import pdf
from ..catalog.labels import PRODUCER_KIND, label
from ..money import vnd_in_words
from ..timeutil import utcnow
from .models import ProducerOrder


def receipt_number(po: ProducerOrder) -> str:
    """The order's code and the part's place in it: 'DH2512017KQ3M-2' is the second producer of that order.
    The parts of an order never change after it is placed, so the number is stable."""
    position = [p.id for p in po.order.producer_orders].index(po.id) + 1
    return f"{po.order.code}-{position}"


def receipt_filename(po: ProducerOrder) -> str:
    return f"bien-nhan-{receipt_number(po)}.pdf"


def receipt_html(po: ProducerOrder) -> str:
    return render_template(
        "orders/receipt.html", po=po, order=po.order, producer=po.producer, number=receipt_number(po),
        total_in_words=vnd_in_words(po.total_vnd), producer_kind=label(PRODUCER_KIND, po.producer.kind),
        printed_at=utcnow(), font=pdf.DOCUMENT_FONT,
    )


def receipt_pdf(po: ProducerOrder) -> bytes:
    return pdf.html_to_pdf(receipt_html(po), current_app.static_folder or "static")


def receipt_response(po: ProducerOrder) -> Response:
    """The PDF, shown in the browser (inline) with a filename to save it under; never kept by a shared cache."""
    response = Response(receipt_pdf(po), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{receipt_filename(po)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
