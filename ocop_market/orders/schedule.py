"""Scheduled delivery (ngày giao mong muốn): a buyer may ask for a day, a quote names one. Pure rules on local days."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

#: how far ahead a delivery day may be asked for (a Tết order placed in early December still fits)
DELIVERY_DAYS = 90


def delivery_date_problem(day: dt.date | None, today: dt.date) -> str | None:
    """Why `day` cannot be a delivery day, in the user's language; None when it can (or none was asked for)."""
    if day is None:
        return None
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        return _("Ngày giao không hợp lệ.")
    if day < today:
        return _("Ngày giao không được ở trong quá khứ.")
    if day > today + dt.timedelta(days=DELIVERY_DAYS):
        return _("Ngày giao chỉ hẹn được trong vòng %(n)s ngày tới.", n=DELIVERY_DAYS)
    return None
