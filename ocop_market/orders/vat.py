"""VAT invoices asked for by a buyer (yêu cầu xuất hóa đơn GTGT): the shop issues none itself. A buyer who needs one
(a company, a school buying for Tết) gives its tax code (mã số thuế), name and address on a part of an order; the
producer or cooperative that sold it is told through the outbox and sees it on its order page, issues the invoice
from its own invoicing (an e-invoice under Decree 123/2020/NĐ-CP), and records its number here: requested → issued.
The buyer is told when it is issued. Services flush; the view commits."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..accounts.notices import tell_user
from ..catalog.notices import tell_producer
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..messaging.links import public_url
from ..money import format_vnd
from ..timeutil import utcnow
from ..validators import normalise_tax_code, tax_code_message
from .models import OrderStatus, ProducerOrder, VatInvoiceRequest, VatInvoiceStatus
from .services import status_label

_INVOICE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,39}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
#: a part of an order that can be invoiced: placed and not cancelled (an unpaid card order is no sale yet)
INVOICEABLE = (OrderStatus.PLACED, OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED,
               OrderStatus.COMPLETED)


@dataclass
class VatInvoiceData:
    tax_code: str
    company_name: str
    company_address: str
    email: str = ""


def check_request(data: VatInvoiceData) -> VatInvoiceData:
    try:
        tax_code = normalise_tax_code(data.tax_code)
    except ValueError:
        raise InvalidInput(tax_code_message(), parameter="tax_code") from None
    name, address, email = (data.company_name or "").strip(), (data.company_address or "").strip(), \
        (data.email or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(_("Vui lòng nhập tên đơn vị (tối đa 200 ký tự)."), parameter="company_name")
    if not address or len(address) > 300:
        raise InvalidInput(_("Vui lòng nhập địa chỉ đơn vị (tối đa 300 ký tự)."), parameter="company_address")
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise InvalidInput(_("Địa chỉ e-mail nhận hóa đơn không hợp lệ."), parameter="email")
    return VatInvoiceData(tax_code, name, address, email.lower())


def request_invoice(buyer: User, po: ProducerOrder, data: VatInvoiceData) -> VatInvoiceRequest:
    """The buyer's request on a part of their own order (the caller found it with `services.buyer_order`)."""
    if po.status not in INVOICEABLE:
        raise Conflict(_("Phần đơn này không xuất hóa đơn được (đang ở bước “%(s)s”).", s=status_label(po.status)))
    data = check_request(data)
    if po.vat_invoice is not None:
        raise Conflict(_("Phần đơn này đã có yêu cầu hóa đơn GTGT."))
    request = VatInvoiceRequest(producer_order_id=po.id, tax_code=data.tax_code, company_name=data.company_name,
                                company_address=data.company_address, email=data.email or None,
                                status=VatInvoiceStatus.REQUESTED, requested_by_id=buyer.id)
    try:
        with db.session.begin_nested():  # two tabs asking at once: the unique key keeps one
            db.session.add(request)
    except IntegrityError:
        raise Conflict(_("Phần đơn này đã có yêu cầu hóa đơn GTGT.")) from None
    db.session.refresh(po, ["vat_invoice"])
    order = po.order
    tell_producer(po.producer, event_key=f"vat_invoice:{request.id}:requested", template="vat_invoice_requested",
                  params={"code": order.code, "tax_code": request.tax_code, "company": request.company_name,
                          "address": request.company_address, "email": request.email or "",
                          "total": format_vnd(po.total_vnd), "link": public_url("producer_orders.detail", po_id=po.id) or ""})
    return request


def mark_issued(actor: User, po: ProducerOrder, invoice_number: str) -> VatInvoiceRequest:
    """The seller records the number of the invoice it issued (the caller found the part for its producer)."""
    request = po.vat_invoice
    if request is None:
        raise Conflict(_("Người mua chưa yêu cầu hóa đơn GTGT cho phần đơn này."))
    if request.status == VatInvoiceStatus.ISSUED:
        raise Conflict(_("Hóa đơn đã được ghi nhận là đã xuất (số %(n)s).", n=request.invoice_number))
    number = (invoice_number or "").strip()
    if not _INVOICE_NUMBER.match(number):
        raise InvalidInput(_("Số hóa đơn gồm chữ cái không dấu, chữ số và / . _ - (tối đa 40 ký tự), ví dụ "
                             "1C25TAA-00000123."), parameter="invoice_number")
    request.status = VatInvoiceStatus.ISSUED
    request.invoice_number = number
    request.issued_at = utcnow()
    request.issued_by_id = actor.id
    db.session.flush()
    order = po.order
    tell_user(order.buyer, event_key=f"vat_invoice:{request.id}:issued", template="vat_invoice_issued",
              params={"code": order.code, "producer": po.producer.name, "number": number,
                      "company": request.company_name,
                      "link": public_url("orders.order_detail", code=order.code) or ""})
    return request
