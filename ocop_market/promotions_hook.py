"""Where the free-promotion work plugs into the public pages (filled by the promotions domain)."""
from __future__ import annotations


def featured_for_home() -> list:
    return []
