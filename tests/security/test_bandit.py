"""SECURITY.md: `bandit -r ocop_market` reports no high-severity finding.

False positives are marked in the code with `# nosec <test id>` and a reason on the same or the line before.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _bandit() -> list[str]:
    exe = os.path.join(os.path.dirname(sys.executable), "bandit")
    if os.path.exists(exe):
        return [exe]
    found = shutil.which("bandit")
    if found:
        return [found]
    pytest.fail("bandit is not installed: it is pinned in requirements-dev.txt (make setup installs it)")


def test_bandit_finds_no_high_severity_issue():
    proc = subprocess.run(
        [*_bandit(), "-r", "ocop_market", "-lll", "-q", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"bandit printed no JSON report (exit {proc.returncode}): {proc.stderr[-2000:]}")
    assert report["errors"] == [], f"bandit could not scan some files: {report['errors']}"
    # The scan really covered the package (a wrong path would be an empty, passing report).
    assert report["metrics"]["_totals"]["loc"] > 5000
    high = [r for r in report["results"] if r["issue_severity"] == "HIGH"]
    listing = "\n".join(f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in high)
    assert not high, f"high-severity bandit findings:\n{listing}"
    assert proc.returncode == 0, proc.stderr[-2000:]
