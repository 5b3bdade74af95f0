"""Catalog import from a CSV file (nhập danh mục sản phẩm): producers, listings and OCOP certificates.

Two phases. `parse` reads and checks every row without writing anything and either returns the rows or raises
`ImportFailed` with every error (line number in the file, header = line 1, and column). `apply` then writes
through the catalog services in the caller's transaction; the command commits once, or rolls back if any row
still fails there, so a bad file leaves the database as it was.

Matching, so that importing the same file twice changes nothing:
- a producer is the same when name, commune and province agree (case and tone placement ignored);
- a listing is the same when producer and product name agree.
On a re-import an existing listing takes the file's price, stock, description, unit and group; an existing producer
takes the file's kind and household category. A certificate with a new decision number is added, one with a known
number is corrected. Nothing is ever deleted, and review states that staff decided (pending, rejected, archived)
stay as they are; archived listings are left untouched. New producers are verified and new listings approved.
"""
from __future__ import annotations

from .checking import default_authority, parse, parse_date, project_by_signal
from .reading import HEADER, decode, read_records
from .rows import SYSTEM, ImportFailed, ImportResult, ImportRow, RowError, SystemActor
from .writing import apply, producer_data_of, run_import

__all__ = ["HEADER", "SYSTEM", "ImportFailed", "ImportResult", "ImportRow", "RowError", "SystemActor", "apply",
           "decode", "default_authority", "parse", "parse_date", "producer_data_of", "project_by_signal",
           "read_records", "run_import"]
