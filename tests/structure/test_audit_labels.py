"""Every action code written to the audit log has words (issue 14): the staff audit log shows
`admin.audit_labels.ACTION_LABELS[code]`, and a code without one would read as `product.submit`. Read from the
source with `ast`: each call of `audit.record(...)` (or `record(...)` imported from `ocop_market.audit`) gives its
action as its second argument, and that argument must be a literal (or a choice between literals), so a new code
cannot slip past this test."""
from __future__ import annotations

import ast
import pathlib

import pytest

from ocop_market.admin.audit_labels import ACTION_LABELS

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "ocop_market"


def _record_calls() -> list[tuple[str, int, ast.expr | None]]:
    """(file, line, the action argument) for every call that writes an audit row."""
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        bare_record = any(isinstance(n, ast.ImportFrom) and (n.module or "").endswith("audit")
                          and any(a.name == "record" for a in n.names) for n in ast.walk(tree))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if (isinstance(f, ast.Attribute) and f.attr == "record" and isinstance(f.value, ast.Name)
                    and f.value.id == "audit") or (bare_record and isinstance(f, ast.Name) and f.id == "record"):
                action = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "action"), None)
                calls.append((str(path.relative_to(PACKAGE.parent)), node.lineno, action))
    return calls


def _codes(action: ast.expr | None) -> list[str] | None:
    """The literal codes an action argument can be; None when it is not made of literals."""
    if isinstance(action, ast.Constant) and isinstance(action.value, str):
        return [action.value]
    if isinstance(action, ast.IfExp):
        body, orelse = _codes(action.body), _codes(action.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


CALLS = _record_calls()


def test_the_scan_finds_the_audit_writers():
    assert len(CALLS) >= 45  # the rule below is not vacuous
    assert {"product.submit", "order.transfer_received", "places.match_commune", "hub.close"} <= {
        c for _, _, a in CALLS for c in (_codes(a) or [])}


@pytest.mark.parametrize("where, line, action", [pytest.param(*c, id=f"{c[0]}:{c[1]}") for c in CALLS])
def test_every_action_written_has_a_label(where, line, action):
    codes = _codes(action)
    assert codes is not None, f"{where}:{line}: the audit action is not a literal code, so it cannot be checked"
    missing = [c for c in codes if c not in ACTION_LABELS]
    assert not missing, f"{where}:{line}: no label in ocop_market/admin/audit_labels.py for {missing}"

