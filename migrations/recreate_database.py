"""Drop and create one PostgreSQL database, empty: `python migrations/recreate_database.py URL`.

For `make dbcheck`, which runs `flask db upgrade` and `flask db check` on a database nothing else has
touched. It connects to the server's `postgres` database to do so; never point it at a database you keep.
"""
from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def recreate(url: str) -> None:
    target = make_url(url)
    if not target.drivername.startswith("postgresql") or not target.database:
        raise SystemExit(f"not a PostgreSQL database URL: {target!r}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    recreate(sys.argv[1])
