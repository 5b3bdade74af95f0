"""Every promise of SECURITY.md (1-27) and those added since (28 on) names at least one test in PROMISES.md,
and every named test exists."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

PROMISES = Path(__file__).with_name("PROMISES.md")
REPO = Path(__file__).resolve().parents[2]
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def _sections() -> dict[int, list[tuple[str, str]]]:
    sections: dict[int, list[tuple[str, str]]] = {}
    current = None
    for line in PROMISES.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## (\d+)\. ", line)
        if heading:
            current = int(heading.group(1))
            assert current not in sections, f"promise {current} listed twice"
            sections[current] = []
        elif current is not None:
            sections[current].extend(TEST_REF.findall(line))
    return sections


def test_all_27_promises_are_listed_with_tests():
    sections = _sections()
    # SECURITY.md's 27, then the promises added by later issues, numbered on without gaps.
    assert len(sections) >= 27 and sorted(sections) == list(range(1, len(sections) + 1))
    assert not [n for n, refs in sections.items() if not refs], "promises without a test"


def _missing(refs) -> list[str]:
    """The `path::name` references that name no test function."""
    missing = []
    for path, name in refs:
        if not (REPO / path).is_file():
            missing.append(f"{path}::{name}")
            continue
        module = importlib.import_module(path[:-3].replace("/", "."))
        if not callable(getattr(module, name, None)):
            missing.append(f"{path}::{name}")
    return missing


def test_every_named_test_exists():
    missing = _missing(ref for refs in _sections().values() for ref in refs)
    assert not missing, "PROMISES.md names tests that do not exist:\n" + "\n".join(missing)


def test_the_index_check_can_fail():
    """The check above reports a made-up test and a made-up file, and only those: it is not vacuous."""
    text = ("- `tests/security/test_csrf.py::test_that_does_not_exist`\n"
            "- `tests/security/no_such_file.py::test_x`\n"
            "- `tests/security/test_promises_index.py::test_every_named_test_exists`\n")
    assert _missing(TEST_REF.findall(text)) == [
        "tests/security/test_csrf.py::test_that_does_not_exist", "tests/security/no_such_file.py::test_x"]
