"""The audit log in words (issue 14): each action code a service writes (`audit.record(actor, "product.submit", …)`)
has its label here, and an entry's details are shown as a person reads them — amounts as `1.300.000 ₫`, rates as
`72,59 %`, household categories, order states and budget sources by their names, dates in Vietnam's time — while
hashes, record ids and raw JSON stay behind "chi tiết". A code without a label reads as itself; the structure test
(tests/structure/test_audit_labels.py) reads the source for every code written and fails on one missing here."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit import AuditEntry
from ..catalog import labels
from ..catalog.hubs import kind_label
from ..money import format_number, format_vnd
from ..orders import services as orders
from ..programs.projects import SOURCE_LABELS
from ..programs.rules import format_rate
from ..templating import current_lang
from ..timeutil import to_local

#: Every action code written to the audit log, and what it reads as.
ACTION_LABELS: dict[str, object] = {
    "producer.create": _l("Tạo hồ sơ cơ sở"),
    "producer.update": _l("Sửa hồ sơ cơ sở"),
    "producer.verify": _l("Xác minh cơ sở"),
    "producer.reject": _l("Từ chối xác minh cơ sở"),
    "household.assess": _l("Ghi nhận phân loại hộ"),
    "hub.create": _l("Tạo điểm bán hộ"),
    "hub.open": _l("Mở điểm bán hộ"),
    "hub.close": _l("Đóng điểm bán hộ"),
    "hub.member_add": _l("Thêm thành viên điểm bán"),
    "hub.member_remove": _l("Bớt thành viên điểm bán"),
    "hub.link": _l("Gắn hộ với điểm bán"),
    "hub.unlink": _l("Gỡ hộ khỏi điểm bán"),
    "hub.product_submit": _l("Điểm bán gửi duyệt sản phẩm thay hộ"),
    "hub.product_update": _l("Điểm bán sửa sản phẩm thay hộ"),
    "product.photo_add": _l("Thêm ảnh sản phẩm"),
    "product.photo_remove": _l("Xoá ảnh sản phẩm"),
    "product.create": _l("Tạo sản phẩm"),
    "product.update": _l("Sửa sản phẩm"),
    "product.submit": _l("Gửi duyệt sản phẩm"),
    "product.approve": _l("Duyệt sản phẩm"),
    "product.reject": _l("Từ chối sản phẩm"),
    "product.archive": _l("Lưu trữ sản phẩm"),
    "product.restore": _l("Khôi phục sản phẩm"),
    "product.set_project": _l("Gắn sản phẩm với dự án"),
    "certificate.set": _l("Ghi chứng nhận OCOP"),
    "catalog.import": _l("Nhập danh mục từ tệp"),
    "places.match_commune": _l("Khớp xã với danh mục hành chính"),
    "commune.set_no_signal": _l("Đổi tình trạng sóng của xã"),
    "project.create": _l("Tạo dự án hỗ trợ"),
    "project.update": _l("Sửa dự án hỗ trợ"),
    "project.disburse": _l("Ghi nhận giải ngân"),
    "project.capital_plan": _l("Ghi kế hoạch vốn năm"),
    "project.join": _l("Hộ tham gia dự án"),
    "project.public_consent": _l("Ghi nhận đồng ý công khai"),
    "report.print": _l("In báo cáo dự án"),
    "report.export": _l("Xuất báo cáo"),
    "message.resend": _l("Gửi lại tin nhắn"),
    "return.decide": _l("Quyết định yêu cầu trả hàng"),
    "review.hide": _l("Ẩn đánh giá của người mua"),
    "review.unhide": _l("Hiện lại đánh giá của người mua"),
    "order.move": _l("Chuyển bước phần đơn"),
    "order.transfer_received": _l("Ghi nhận đã nhận chuyển khoản"),
    "order.refund_sent": _l("Ghi nhận đã hoàn tiền"),
    "carriers.cod_reconcile": _l("Đối soát tiền thu hộ (COD) với hãng vận chuyển"),
    "carriers.attention_cleared": _l("Đã xem vận đơn hoàn, hủy hoặc thất lạc"),
    "payout.record": _l("Ghi nhận chi trả cho cơ sở"),
    "promotion.allocate": _l("Phân bổ quảng bá trong tuần"),
    "promotion.pin": _l("Ghim sản phẩm quảng bá"),
    "promotion.remove": _l("Gỡ sản phẩm quảng bá"),
    "promotion.settings": _l("Sửa cài đặt quảng bá"),
    "user.create_commune_officer": _l("Tạo tài khoản cán bộ xã"),
    "shipping_subsidy.create": _l("Tạo hỗ trợ phí giao"),
    "shipping_subsidy.update": _l("Sửa hỗ trợ phí giao"),
    "shipping_subsidy.stop": _l("Dừng hỗ trợ phí giao"),
    "shipping_fees.save": _l("Lưu bảng phí giao hàng"),
}

#: What an entry is about (`AuditEntry.entity_type`).
ENTITY_LABELS: dict[str, object] = {
    "producer": _l("Cơ sở"),
    "product": _l("Sản phẩm"),
    "hub": _l("Điểm bán hộ"),
    "catalog": _l("Danh mục"),
    "support_project": _l("Dự án hỗ trợ"),
    "commune": _l("Xã"),
    "outcomes": _l("Báo cáo kết quả"),
    "indicators": _l("Báo cáo chỉ tiêu"),
    "outbound_message": _l("Tin nhắn"),
    "return_request": _l("Yêu cầu trả hàng"),
    "product_review": _l("Đánh giá sản phẩm"),
    "producer_order": _l("Phần đơn"),
    "order": _l("Đơn hàng"),
    "shipment": _l("Vận đơn"),
    "carrier": _l("Hãng vận chuyển"),
    "promotion_week": _l("Tuần quảng bá"),
    "promotion_allocation": _l("Vị trí quảng bá"),
    "promotion_settings": _l("Cài đặt quảng bá"),
    "user": _l("Tài khoản"),
    "shipping_subsidy": _l("Hỗ trợ phí giao"),
    "shipping_fees": _l("Bảng phí giao hàng"),
}

#: The words for a detail's key; a key not here is shown as itself.
DETAIL_LABELS: dict[str, object] = {
    "on_behalf": _l("Nhập hộ"),
    "reason": _l("Lý do"),
    "assessed_on": _l("Ngày đánh giá"),
    "category": _l("Phân loại hộ"),
    "income_vnd": _l("Thu nhập"),
    "source": _l("Nguồn"),
    "name": _l("Tên"),
    "kind": _l("Loại"),
    "login": _l("Tài khoản"),
    "producer": _l("Cơ sở"),
    "hub": _l("Điểm bán"),
    "content_changed": _l("Đổi nội dung cần duyệt lại"),
    "decision_no": _l("Số quyết định"),
    "commune": _l("Xã"),
    "commune_code": _l("Mã xã"),
    "amount_vnd": _l("Số tiền"),
    "disbursed_on": _l("Ngày giải ngân"),
    "plan_year": _l("Năm kế hoạch"),
    "year": _l("Năm"),
    "planned_vnd": _l("Vốn kế hoạch"),
    "carried_over_vnd": _l("Vốn chuyển tiếp"),
    "old": _l("Dự án trước"),
    "new": _l("Dự án sau"),
    "code": _l("Mã"),
    "no_signal": _l("Không có sóng"),
    "budgets": _l("Vốn theo nguồn"),
    "period": _l("Kỳ"),
    "group_by": _l("Nhóm theo"),
    "rows": _l("Số dòng"),
    "format": _l("Định dạng"),
    "provinces": _l("Số tỉnh"),
    "baseline_income_vnd": _l("Thu nhập ban đầu"),
    "joined_on": _l("Ngày tham gia"),
    "consent_on": _l("Ngày đồng ý"),
    "channel": _l("Kênh"),
    "order": _l("Đơn hàng"),
    "decision": _l("Quyết định"),
    "stars": _l("Số sao"),
    "frm": _l("Từ bước"),
    "to": _l("Sang bước"),
    "week": _l("Tuần"),
    "allocated": _l("Số được phân bổ"),
    "refused": _l("Số không đủ điều kiện"),
    "placement": _l("Vị trí"),
    "position": _l("Thứ tự"),
    "reference": _l("Mã tham chiếu"),
    "producers_created": _l("Cơ sở mới"),
    "producers_updated": _l("Cơ sở cập nhật"),
    "producers_unchanged": _l("Cơ sở giữ nguyên"),
    "products_created": _l("Sản phẩm mới"),
    "products_updated": _l("Sản phẩm cập nhật"),
    "products_unchanged": _l("Sản phẩm giữ nguyên"),
    "products_skipped": _l("Sản phẩm bỏ qua"),
    "certificates_set": _l("Chứng nhận ghi nhận"),
    "budget_vnd": _l("Ngân sách"),
    "spent_vnd": _l("Đã dùng"),
    "cap_per_order_vnd": _l("Tối đa mỗi đơn"),
    "starts_on": _l("Từ ngày"),
    "ends_on": _l("Đến ngày"),
    "eligibility": _l("Hộ được hỗ trợ"),
}

DECISIONS: dict[str, object] = {"buyer": _l("Chấp nhận cho người mua"), "producer": _l("Giữ theo người bán")}
ASSESSMENT_SOURCES: dict[str, object] = {
    "declared": _l("Hộ tự khai"), "assessed": _l("Cán bộ rà soát"), "imported": _l("Nhập từ tệp"),
    "migrated": _l("Chuyển từ hồ sơ cũ"),
}

#: Detail keys that are for a technician, not a reader: ids of records and stored file names (hashes).
HIDDEN_KEYS = frozenset({"image", "record_id", "disbursement_id", "user_id", "hub_id", "producer_id", "product_id",
                         "template", "before", "after", "changes", "capacities", "ticket"})
_HASH = re.compile(r"^[0-9a-f]{16,}(\.[a-z0-9]+)?$", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def action_label(code: str) -> str:
    """'product.submit' -> 'Gửi duyệt sản phẩm'; a code without a label reads as the code."""
    return str(ACTION_LABELS.get(code, code))


def entity_label(entity_type: str) -> str:
    return str(ENTITY_LABELS.get(entity_type, entity_type))


@dataclass
class Details:
    #: (label, text) a person reads
    shown: list[tuple[str, str]] = field(default_factory=list)
    #: (key, raw text) behind "chi tiết": ids, hashes, JSON
    hidden: list[tuple[str, str]] = field(default_factory=list)


def _raw(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _vnd(amount: int) -> str:
    return format_vnd(amount, "vi_VN" if current_lang() == "vi" else "en_US")


def _words(key: str, value, action: str) -> str | None:
    """The value as text, or None when it belongs behind "chi tiết"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, int) and key.endswith("_vnd"):
        return _vnd(value)
    if isinstance(value, int) and key.endswith("_bp"):
        return format_rate(value, current_lang())
    if key == "budgets" and isinstance(value, dict) and all(isinstance(v, int) for v in value.values()):
        return " · ".join(f"{_(SOURCE_LABELS.get(s, s))}: {_vnd(v)}" for s, v in value.items() if v)
    if isinstance(value, (dict, list)):
        return None
    if key == "category":
        return labels.label(labels.HOUSEHOLD_CATEGORY, str(value))
    if key in ("frm", "to"):
        return orders.status_label(str(value))
    if key == "source":
        if action == "household.assess":
            return str(ASSESSMENT_SOURCES.get(value, value))
        return _(SOURCE_LABELS[value]) if value in SOURCE_LABELS else str(value)
    if key == "kind" and action == "hub.create":
        return kind_label(str(value))
    if key == "decision":
        return str(DECISIONS.get(value, value))
    if key in ("old", "new") and isinstance(value, int):
        return f"#{value}"
    if isinstance(value, int):
        return format_number(value) if current_lang() == "vi" else f"{value:,}"
    text = str(value)
    if _HASH.match(text):
        return None
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    if _DATETIME.match(text):
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return to_local(moment).strftime("%d/%m/%Y %H:%M")
    return text


def details(entry: AuditEntry) -> Details:
    """An entry's details in words, with what only a technician needs set apart."""
    out = Details()
    try:
        detail = entry.detail_dict
    except ValueError:  # not JSON: shown as it is stored, behind "chi tiết"
        out.hidden.append(("detail", entry.detail))
        return out
    if not isinstance(detail, dict):
        out.hidden.append(("detail", _raw(detail)))
        return out
    for key, value in detail.items():
        text = None if key in HIDDEN_KEYS else _words(key, value, entry.action)
        if text is None:
            out.hidden.append((key, _raw(value)))
        else:
            out.shown.append((str(DETAIL_LABELS.get(key, key)), text))
    return out
