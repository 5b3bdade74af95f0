"""Message text per kind and channel, in the recipient's language.

Each kind has a folder `templates/messaging/<kind>/` with `email_subject.txt` + `email.txt` and/or `sms.txt`:
plain-text Jinja templates whose words go through `_()`, so the English wording lives in the same catalog as the
site's. SMS text is folded to unaccented letters (`text.fold`, case kept) and must fit one 160-character GSM-7
segment: a basic phone shows it whole and the sender pays for one part.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale

from ..text import fold
from .models import Channel

SMS_SEGMENT = 160
# The GSM 03.38 basic character set (what one 160-character segment can carry, without the escape table).
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_PUNCTUATION = str.maketrans({"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "₫": "d",
                              "\u00a0": " ", "\u202f": " "})


class MessageTooLong(ValueError):
    pass


@dataclass(frozen=True)
class Rendered:
    text: str
    subject: str | None = None


def sms_text(text: str) -> str:
    """One GSM-7 segment: no diacritics, single spaces, anything else the basic set lacks shown as '?'."""
    folded = fold(text, keep_case=True).translate(_PUNCTUATION)
    folded = re.sub(r"\s+", " ", folded).strip()
    folded = "".join(ch if ch in GSM7 else "?" for ch in folded)
    if len(folded) > SMS_SEGMENT:
        raise MessageTooLong(f"SMS of {len(folded)} characters (one segment holds {SMS_SEGMENT}): {folded[:60]}…")
    return folded


#: a kind may offer shorter texts for when long names push it past one segment: tried in this order
SMS_VARIANTS = ("sms.txt", "sms_short.txt", "sms_shortest.txt")


def _fitting_sms(template: str, params: dict) -> str:
    known = _known()
    names = [n for n in SMS_VARIANTS if n == "sms.txt" or f"messaging/{template}/{n}" in known]
    for name in names[:-1]:
        try:
            return sms_text(_render(f"messaging/{template}/{name}", params))
        except MessageTooLong:
            continue
    return sms_text(_render(f"messaging/{template}/{names[-1]}", params))


def _render(name: str, params: dict) -> str:
    # The bare environment, without the site's context processors: a message is rendered outside any request.
    return current_app.jinja_env.get_template(name).render(**params)


def render(template: str, channel: str, locale: str, params: dict) -> Rendered:
    with force_locale(locale or "vi"):
        if channel == Channel.SMS:
            return Rendered(text=_fitting_sms(template, params))
        subject = _render(f"messaging/{template}/email_subject.txt", params)
        body = _render(f"messaging/{template}/email.txt", params)
    return Rendered(subject=" ".join(subject.split()), text=body.strip() + "\n")


def has_template(template: str, channel: str) -> bool:
    """Whether this kind of message has a text for this channel (a kind may be e-mail only, or SMS only)."""
    names = ("sms.txt",) if channel == Channel.SMS else ("email_subject.txt", "email.txt")
    known = _known()
    return all(f"messaging/{template}/{name}" in known for name in names)


def _known() -> set[str]:
    known = current_app.extensions.get("messaging_templates")
    if known is None:  # read once per app: list_templates walks every template folder
        loader = current_app.jinja_env.loader
        known = current_app.extensions["messaging_templates"] = {
            name for name in (loader.list_templates() if loader is not None else []) if name.startswith("messaging/")}
    return known
