"""Paginated lists: one reading of `?page=` and one call of `db.paginate` for every list page (the search page
reads its page with the rest of its query, search.types.SearchQuery)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

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


#: A list longer than this says "more than 1,000" rather than counting every row (issue 15: at 50,000 listings the
#: full count(*) was most of the catalogue page's time).
COUNT_CAP = 1000


@dataclass(frozen=True)
class CappedPage:
    """One page of a list whose total is counted only up to a cap: `total` is exact when `total_is_exact`, else
    the list has more than `total` rows. `pages` reaches at least two pages past this one whenever they exist, all
    the pager ever links to."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    total_is_exact: bool

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0


def paginate_capped(stmt: Select, per_page: int, cap: int = COUNT_CAP) -> CappedPage:
    """The requested page of `stmt` (one ORM entity) with its total counted up to max(cap, two pages past this
    one), in the page's own statement: the count is an uncorrelated scalar subquery over at most that many rows,
    evaluated once. A page past the end is empty (the view decides whether that is a 404)."""
    page = page_arg()
    limit = max(cap, (page + 2) * per_page)
    count = select(func.count()).select_from(stmt.order_by(None).limit(limit + 1).subquery())
    rows = db.session.execute(stmt.add_columns(count.scalar_subquery().label("capped_total"))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        total = int(rows[0][1])
    elif page == 1:
        total = 0
    else:  # past the end: the count alone (only such a page pays a second statement)
        total = int(db.session.scalar(count) or 0)
    exact = total <= limit
    return CappedPage([row[0] for row in rows], page, per_page, min(total, limit), exact)
