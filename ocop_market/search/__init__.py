"""Product search. Only this package imports `whoosh`; the rest of the code uses `SearchService`."""
from __future__ import annotations

import os

from flask import Flask


def index_health(app: Flask) -> dict:
    path = app.config["SEARCH_INDEX_DIR"]
    exists = os.path.isdir(path) and any(os.scandir(path))
    return {"ok": exists, "path_exists": exists}
