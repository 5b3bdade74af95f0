"""The banks a VietQR code can name, by BIN, from data/napas_banks.csv (the NAPAS/VietQR published list, with
its source and date in the file's header): what the transfer box shows instead of six digits."""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import cache

BANKS_CSV = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "napas_banks.csv")


@dataclass(frozen=True)
class Bank:
    bin: str
    short_name: str  #: "Agribank", as the bank prints it in its own app
    name: str  #: the registered name, "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"


@cache
def all_banks() -> dict[str, Bank]:
    with open(BANKS_CSV, encoding="utf-8") as fh:
        reader = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {row["bin"]: Bank(row["bin"], row["short_name"], row["name"]) for row in reader}


def bank_by_bin(bin_code: str | None) -> Bank | None:
    """The bank for a BIN, or None for one the list does not know (the page then shows the digits)."""
    return all_banks().get((bin_code or "").strip())
