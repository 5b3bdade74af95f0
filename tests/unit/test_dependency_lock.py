"""The lock files agree with the pins people edit.

`requirements.txt` / `requirements-dev.txt` name what we chose, pinned; `requirements.lock` /
`requirements-dev.lock` (made by `make lock`, installed by `make setup` with --require-hashes) pin and hash the
whole tree. A pin bumped without re-locking would silently not be installed: this names it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _requirements(path: Path) -> dict[str, str]:
    """name -> version of every requirement in `path` and the files it includes with -r."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            found.update(_requirements(path.parent / line[3:].strip()))
            continue
        m = PIN.match(line)
        assert m, f"{path.name}: '{line}' is not pinned as name==version"
        found[_name(m.group(1))] = m.group(3)
    return found


def _lock(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of a pip-compile --generate-hashes file."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        m = PIN.match(line)
        if m:
            current = _name(m.group(1))
            entries[current] = (m.group(3), 0)
        hashes = len(re.findall(r"--hash=sha256:[0-9a-f]{64}", line))
        if hashes and current:
            version, n = entries[current]
            entries[current] = (version, n + hashes)
    return entries


@pytest.mark.parametrize("pins,lock", [("requirements.txt", "requirements.lock"),
                                       ("requirements-dev.txt", "requirements-dev.lock")])
def test_every_pin_is_locked_at_its_version(pins, lock):
    wanted, locked = _requirements(ROOT / pins), _lock(ROOT / lock)
    stale = {n: (v, locked.get(n, ("missing", 0))[0]) for n, v in wanted.items() if locked.get(n, ("",))[0] != v}
    assert not stale, f"{pins} and {lock} disagree (pinned, locked): {stale}; run `make lock`"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_has_hashes(lock):
    unhashed = [n for n, (_v, hashes) in _lock(ROOT / lock).items() if not hashes]
    assert not unhashed, f"{lock}: no --hash for {unhashed} (pip --require-hashes would refuse the file)"


def test_runtime_and_dev_locks_agree():
    runtime, dev = _lock(ROOT / "requirements.lock"), _lock(ROOT / "requirements-dev.lock")
    differ = {n: (v, dev.get(n, ("missing",))[0]) for n, (v, _h) in runtime.items() if dev.get(n, ("",))[0] != v}
    assert not differ, f"production and development would run different versions: {differ}; run `make lock`"
