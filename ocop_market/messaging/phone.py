"""Phone numbers for SMS: the only module that imports `phonenumbers` (Google's libphonenumber data)."""
from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    pass


def normalise_msisdn(raw: str, region: str = "VN") -> str:
    """A dialable number in E.164 ("+84912345678") from what a person typed ("091 234 5678", "+84 91…").

    Numbers without a country code are read as Vietnamese. Refuses what is not a valid number.
    """
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

