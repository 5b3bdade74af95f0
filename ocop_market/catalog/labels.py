"""Human labels for stored codes, in Vietnamese with English translations via Babel."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PRODUCER_KIND = {
    "household": _l("Hộ sản xuất kinh doanh"),
    "cooperative": _l("Hợp tác xã"),
    "cooperative_group": _l("Tổ hợp tác"),
    "enterprise": _l("Doanh nghiệp"),
}
HOUSEHOLD_CATEGORY = {
    "poor": _l("Hộ nghèo"),
    "near_poor": _l("Hộ cận nghèo"),
    "escaped": _l("Hộ mới thoát nghèo"),
    "none": _l("Không thuộc diện"),
}
PRODUCER_STATUS = {"pending": _l("Chờ xác minh"), "verified": _l("Đã xác minh"), "rejected": _l("Bị từ chối")}
PRODUCT_STATUS = {
    "draft": _l("Bản nháp"),
    "pending": _l("Chờ duyệt"),
    "approved": _l("Đã duyệt"),
    "rejected": _l("Bị từ chối"),
    "archived": _l("Đã lưu trữ"),
}
CERT_LEVEL = {"district": _l("Cấp huyện (trước 1/7/2025)"), "province": _l("Cấp tỉnh"), "central": _l("Cấp trung ương")}


def label(table: dict, code: str) -> str:
    return str(table.get(code, code))
