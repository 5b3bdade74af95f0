"""Plain text only: names, addresses and other text people type are refused when they hold hidden characters.

A bidirectional control (U+202E…) saved in a product, producer or recipient name reorders it on every screen that
shows it, staff screens included, so a name can pass for another; zero-width and other format characters make two
names look the same. `text.hidden_characters` says what counts. Three places refuse them, with one message:
- `PlainText()`, a WTForms validator on every text field of every form (`PlainText(multiline=True)` on text areas,
  where tab and line breaks are fine);
- `hidden_characters_message`, for input that comes without a form (the CSV importer's rows);
- the flush guard (`install_plain_text_guard`), the last line of defence: a column declared with
  `info=PLAIN_TEXT` (or `PLAIN_TEXT_MULTILINE`) refuses such a value whatever path wrote it, as an
  `InvalidInput` (400), before anything reaches the database. Only values being set are checked, so a row saved
  before this rule can still have its stock or state changed.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from wtforms.validators import ValidationError

from .errors import DomainError, InvalidInput
from .text import describe_characters, hidden_characters

#: `mapped_column(String(160), info=PLAIN_TEXT)`: a one-line text a person typed (a name, a commune)
PLAIN_TEXT = {"plain_text": "line"}
#: `mapped_column(Text, info=PLAIN_TEXT_MULTILINE)`: free text where tab and line breaks belong (a description)
PLAIN_TEXT_MULTILINE = {"plain_text": "multiline"}


def hidden_characters_message(value: str | None, *, multiline: bool = False) -> str | None:
    """The message for `value` in the visitor's language, or None when it is plain text."""
    found = hidden_characters(value, multiline=multiline)
    if not found:
        return None
    return gettext("Không được chứa ký tự ẩn hoặc ký tự điều khiển hướng chữ (%(chars)s); hãy gõ lại hoặc dán "
                   "dưới dạng văn bản thường.", chars=describe_characters(found))


class PlainText:
    """WTForms validator: the field's text holds no hidden character (see the module's docstring)."""

    field_flags = {"plain_text": True}

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        message = hidden_characters_message(field.data, multiline=self.multiline) if isinstance(field.data, str) else None
        if message:
            raise ValidationError(message)


def _changed_values(obj: Any, is_new: bool):
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        kind = next((c.info.get("plain_text") for c in attr.columns if c.info.get("plain_text")), None)
        if kind is None:
            continue
        if is_new:
            values = [getattr(obj, attr.key)]
        else:
            values = list(state.attrs[attr.key].history.added or ())
        for value in values:
            if isinstance(value, str):
                yield attr, kind, value


def check_plain_text(session: Session) -> None:
    for is_new, objects in ((True, session.new), (False, session.dirty)):
        for obj in objects:
            for attr, kind, value in _changed_values(obj, is_new):
                message = hidden_characters_message(value, multiline=kind == "multiline")
                if message:
                    raise InvalidInput(message, field=attr.key)


def install_plain_text_guard() -> None:
    """Once per process: every session checks what it is about to write (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


def _before_flush(session: Session, flush_context, instances) -> None:
    check_plain_text(session)


def show_on_form(form: Any, err: DomainError) -> int:
    """Put a rule the service refused where the user looks: beside the field it names (`parameter` in the error's
    context, when the form has that field), else above the form. Returns the error's status for the re-render."""
    field = form._fields.get(str(err.context.get("parameter", "")))
    (field.errors if field is not None else form.form_errors).append(err.message)
    return err.status_code


# ---------------------------------------------------------------- Vietnamese tax codes (mã số thuế)
#: 10 digits (an organisation), or 13 as 10-3 (a dependent unit, a branch): "0101234567", "0101234567-001". One shape
#: check shared by the VAT invoice request (orders/vat.py) and the organisation account (accounts/organisations.py).
_TAX_CODE = re.compile(r"^([0-9]{10})(?:-?([0-9]{3}))?$")


def normalise_tax_code(raw: str) -> str:
    """'0101234567', '0101 234 567-001' or '0101234567001' -> '0101234567' / '0101234567-001'; ValueError otherwise.
    Only the shape is checked: the tax office's lookup is what says a code exists, and the seller checks it there
    before issuing."""
    m = _TAX_CODE.match(re.sub(r"[\s.]", "", raw or ""))
    if m is None:
        raise ValueError("not a tax code")
    return m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")


def tax_code_message() -> str:
    """What a refused tax code is told, wherever it was typed."""
    return gettext("Mã số thuế gồm 10 chữ số, hoặc 13 chữ số viết 10-3 cho chi nhánh (ví dụ 0101234567 "
                   "hoặc 0101234567-001).")
