"""Paginated lists: one reading of `?page=` and one call of `db.paginate` for every list page (the search page
reads its page with the rest of its query, search.types.SearchQuery)."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from .errors import InvalidInput
from .extensions import db
from .routing import parse_whole

MAX_PAGE = 10_000


def page_arg() -> int:
    """The requested page, 1 when absent; anything but a whole number from 1 to MAX_PAGE (routing.parse_whole,
    the one reader of such numbers) is a 400 saying so."""
    page = parse_whole(request.args.get("page", "1"), 1, MAX_PAGE)
    if page is None:
        raise InvalidInput(_("Số trang không hợp lệ."))
    return page


def paginate(stmt: Select, per_page: int) -> Pagination:
    """The requested page of `stmt`; a page past the end is empty (the view decides whether that is a 404)."""
    return db.paginate(stmt, page=page_arg(), per_page=per_page, error_out=False)
