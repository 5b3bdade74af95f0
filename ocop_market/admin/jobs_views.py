"""Staff page of the task queue: the schedule, every recent run, failures first to the eye; run a job now."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..jobs import queue
from ..jobs.models import RunState
from .forms import ConfirmForm
from .views import bp

#: what staff read for each periodic job (the registry's names are for operators)
JOB_LABELS = {
    "orders.expire_unpaid": _l("Hủy đơn thẻ quá hạn thanh toán, trả lại hàng; gửi lại lệnh hoàn tiền"),
    "orders.remind_unconfirmed": _l("Nhắc hộ sản xuất đơn chưa xác nhận sau 24 giờ; báo cán bộ sau 48 giờ"),
    "orders.expire_quotes": _l("Đánh dấu hết hạn các yêu cầu báo giá quá hạn"),
    "promotions.allocate_next_week": _l("Phân bổ vị trí quảng bá của tuần sau (vào ngày đã chọn trong quy định)"),
    "search.repair_outbox": _l("Cập nhật chỉ mục tìm kiếm với các thay đổi còn sót"),
    "messaging.retry": _l("Gửi lại tin nhắn lỗi (giãn cách tăng dần), nhận lại tin bị ngắt giữa chừng"),
    "catalog.certificate_warnings": _l("Báo chứng nhận OCOP hết hạn sau 90 và 30 ngày"),
    "promotions.flush_counters": _l("Cộng lượt hiển thị và lượt bấm quảng bá vào số liệu hằng ngày"),
}
STATE_LABELS = {
    RunState.RUNNING: _l("Đang chạy"),
    RunState.SUCCEEDED: _l("Thành công"),
    RunState.FAILED: _l("Lỗi"),
    RunState.SKIPPED: _l("Bỏ qua (đang chạy)"),
    RunState.ABANDONED: _l("Bị bỏ dở"),
}


@bp.get("/tac-vu")
def jobs_page():
    failed_only = request.args.get("loi") == "1"
    return render_template("admin/jobs.html", schedule=queue.schedule_rows(),
                           runs=queue.recent_runs(200, failed_only=failed_only), failed_only=failed_only,
                           labels=JOB_LABELS, states=STATE_LABELS, form=ConfirmForm())


@bp.post("/tac-vu/<name>/chay")
def job_run_now(name: str):
    if name not in queue.JOBS or queue.JOBS[name].schedule is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    queue.enqueue(name)
    flash(_("Đã đưa tác vụ vào hàng đợi; kết quả hiện trong bảng khi chạy xong."), "success")
    return redirect(url_for(".jobs_page"))
