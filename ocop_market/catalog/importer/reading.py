"""Reading the file: its encoding, its header and its records, each with the line it came from.
"""
from __future__ import annotations

import csv
import io

from .rows import ImportFailed, RowError

HEADER = (
    "producer_name", "producer_kind", "province", "commune", "poverty_status", "product_name", "description",
    "group", "stars", "certificate_no", "certified_on", "price_vnd", "unit", "stock", "support_project_code",
)

CERTIFICATE_COLUMNS = ("stars", "certificate_no", "certified_on")

MAX_LENGTH = {"producer_name": 160, "commune": 120, "product_name": 160, "unit": 60, "certificate_no": 64,
              "description": 5000, "support_project_code": 32}


# ---------------------------------------------------------------- reading
def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([RowError(None, None, "Tệp không phải UTF-8; hãy lưu lại dưới dạng “CSV UTF-8”.")]) from exc


def read_records(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line where the record starts, values by column); raises ImportFailed for a bad header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed([RowError(None, None, "Tệp trống.")]) from None
    except csv.Error as exc:
        raise ImportFailed([RowError(1, None, f"Không đọc được dòng tiêu đề ({exc}).")]) from None
    names = [h.strip().lower() for h in header]
    errors = []
    missing = [h for h in HEADER if h not in names]
    unknown = [h for h in names if h not in HEADER]
    if missing:
        errors.append(RowError(1, None, "Thiếu cột: " + ", ".join(missing) + "."))
    if unknown:
        errors.append(RowError(1, None, "Cột không xác định: " + ", ".join(unknown) + "."))
    duplicated = sorted({h for h in names if names.count(h) > 1 and h})
    if duplicated:
        errors.append(RowError(1, None, "Cột bị lặp: " + ", ".join(duplicated) + "."))
    if errors:
        raise ImportFailed(errors)
    records = []
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFailed([RowError(line, None, f"Dòng CSV không hợp lệ ({exc}).")]) from None
        if any(v.strip() for v in values):
            if len(values) != len(names):
                records.append((line, {"__width__": str(len(values))}))
            else:
                records.append((line, {n: v.strip() for n, v in zip(names, values, strict=True)}))
        line = reader.line_num + 1
    return records
