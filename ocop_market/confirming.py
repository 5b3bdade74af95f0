"""Asking before an action that cannot be undone (issue 14): one confirm page for every such action.

A buyer cancelling a part, a producer declining an order, staff refusing a listing or a producer, a payout: the
page that offers the action links to (or posts to) the action's own URL, which answers with a page saying what
will happen and a POST form carrying the same fields plus ``confirmed=1``. Only that second POST acts, so one
stray tap never does, and the whole thing works without JavaScript.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import render_template, request

#: The form field that says the person saw the confirm page and pressed its button.
CONFIRMED = "confirmed"


def is_confirmed() -> bool:
    return request.method == "POST" and request.form.get(CONFIRMED) == "1"


@dataclass(frozen=True)
class Question:
    """What the confirm page says: the heading, what will happen, the button that does it and the way back."""

    title: str
    question: str
    button: str
    back_url: str
    #: (label, value) pairs shown as a list: the order, the reason typed ...; a whole number is an amount in đồng
    facts: Iterable[tuple[str, str | int]] = field(default_factory=tuple)
    #: Shown instead of the general "cannot be undone" line when there is more to say (a refund follows ...).
    warning: str | None = None


def page(question: Question, *, fields: Iterable = (), carry: Mapping[str, object] | None = None,
         action: str | None = None, status: int = 200):
    """The confirm page: `fields` (WTForms fields) are shown to fill in or check, `carry` goes along hidden."""
    return render_template("confirm.html", q=question, fields=list(fields), carry=dict(carry or {}),
                           action=action or request.path, confirmed_name=CONFIRMED), status
