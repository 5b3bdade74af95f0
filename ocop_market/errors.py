"""Domain exceptions and the one place that turns them (and HTTP errors) into pages."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db


class DomainError(Exception):
    """A rule of the domain refused an action. Services raise these, never HTTP errors."""

    status_code = 400

    def __init__(self, message: str = "", **context):
        super().__init__(message)
        self.message = message
        self.context = context


class NotFound(DomainError):
    status_code = 404


class NotAllowed(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The action does not fit the record's current state (e.g. approving an archived listing)."""

    status_code = 409


class InvalidInput(DomainError):
    status_code = 400


class Expired(DomainError):
    """Something that was valid for a while no longer is (a link in a message past its lifetime)."""

    status_code = 410


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy trang",
    405: "Phương thức không được phép",
    409: "Thao tác không phù hợp với trạng thái hiện tại",
    410: "Đã hết hạn",
    413: "Tệp tải lên quá lớn",
    429: "Quá nhiều yêu cầu",
    500: "Đã có lỗi xảy ra",
}


def _page(status: int, message: str | None = None, parameter: str | None = None):
    title = _(TITLES.get(status, TITLES[500]))
    if _wants_json():
        # The API's documented error shape: {"error": {"status", "message", "parameter"?}}.
        error: dict = {"status": status, "message": message or title}
        if parameter:
            error["parameter"] = parameter
        return jsonify(error=error), status
    try:
        return render_template("errors/error.html", status=status, title=title, message=message), status
    except Exception:  # the full layout needs the database; when that is what failed, a bare page
        current_app.logger.exception("error page could not be rendered")
        try:
            db.session.rollback()
        except Exception:  # noqa: S110 - the database is gone altogether; the bare page still renders
            pass
        return render_template("errors/minimal.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return _page(400, _("Phiên làm việc đã hết hạn hoặc thiếu mã bảo vệ. Vui lòng tải lại trang và thử lại."))

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        parameter = err.context.get("parameter")
        return _page(err.status_code, err.message or None, parameter if isinstance(parameter, str) else None)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        messages = {
            413: _("Tệp hoặc biểu mẫu vượt quá giới hạn cho phép."),
            429: _("Bạn đã thử quá nhiều lần. Vui lòng đợi một lúc rồi thử lại."),
        }
        if err.code is None or err.code < 400:  # a RequestRedirect routed here by mistake
            return err
        if getattr(err, "response", None) is not None:  # the raiser built its own page (e.g. the login 429)
            return err.response
        body, status = _page(err.code, messages.get(err.code))
        response = current_app.make_response((body, status))
        allowed = getattr(err, "valid_methods", None)  # only MethodNotAllowed has them
        if err.code == 405 and allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        # Logged with its traceback for us; the visitor sees only a Vietnamese page.
        app.logger.exception("unhandled error")
        try:
            db.session.rollback()
        except Exception:  # pragma: no cover
            app.logger.exception("rollback after error failed")
        return _page(500, _("Chúng tôi đã ghi nhận sự cố. Vui lòng thử lại sau ít phút."))
