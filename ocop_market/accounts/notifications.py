"""What a person was told (their messages, newest first) and on which channels they want to be told."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..messaging.models import OutboundMessage
from .models import User

#: what each kind of message is about, as its recipient reads it
KIND_LABELS = {
    "order_new": _l("Đơn hàng mới"),
    "order_update": _l("Cập nhật đơn hàng"),
    "order_paid": _l("Đã nhận thanh toán"),
    "order_unconfirmed": _l("Nhắc xác nhận đơn"),
    "order_unconfirmed_staff": _l("Đơn chưa được xác nhận"),
    "hub_order_new": _l("Đơn hàng mới của hộ"),
    "hub_order_unconfirmed": _l("Đơn của hộ chưa được xác nhận"),
    "certificate_expiring": _l("Chứng nhận OCOP sắp hết hạn"),
    "certificate_expiring_staff": _l("Chứng nhận OCOP sắp hết hạn"),
    "listing_reviewed": _l("Kết quả duyệt sản phẩm"),
    "producer_reviewed": _l("Kết quả xác minh cơ sở"),
    "promotion_decided": _l("Kết quả đăng ký quảng bá"),
    "password_reset": _l("Mã đặt lại mật khẩu"),
    "welcome": _l("Chào mừng"),
    "test": _l("Tin thử"),
}
STATE_LABELS = {
    "pending": _l("Chờ gửi"),
    "sending": _l("Đang gửi"),
    "sent": _l("Đã gửi"),
    "failed": _l("Gửi lỗi, sẽ thử lại"),
    "expired": _l("Hết hạn, không gửi"),
}


def messages_of(user: User, limit: int = 100) -> list[OutboundMessage]:
    return list(db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.user_id == user.id)
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()).limit(limit)))


def set_channels(user: User, email: bool, sms: bool) -> None:
    user.notify_email, user.notify_sms = bool(email), bool(sms)
    db.session.flush()
