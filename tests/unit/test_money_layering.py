"""Issue 11: payments is the layer below orders. No module of payments imports orders (at module level or
inside a function), and neither package dodges a cycle with a function-level import of the other. Names imported
under `if TYPE_CHECKING:` only (for the typed relationships' annotations) are not imports at run time."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ocop_market"


def _imports(path: Path, root: Path = PACKAGE.parent) -> list[tuple[str, bool]]:
    """(module imported, inside a function?) for every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = []
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING") for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        nested = any(isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef) for p in _parents(tree, node))
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(x for x in (base, node.module or "") if x)
            found += [(module, nested)] + [(f"{module}.{a.name}", nested) for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, nested) for a in node.names]
    return found


def _parents(tree, target):
    stack = [(tree, [])]
    while stack:
        node, chain = stack.pop()
        if node is target:
            return chain
        stack.extend((child, chain + [node]) for child in ast.iter_child_nodes(node))
    return []


def test_payments_never_imports_orders():
    bad = [f"{f.name}: {m}" for f in (PACKAGE / "payments").glob("*.py") for m, _ in _imports(f)
           if m == "ocop_market.orders" or m.startswith("ocop_market.orders.")]
    assert not bad, bad


def test_no_function_level_import_between_orders_and_payments():
    bad = [f"{f.parent.name}/{f.name}: {m}" for pkg in ("orders", "payments") for f in (PACKAGE / pkg).glob("*.py")
           for m, nested in _imports(f) if nested and m.startswith(("ocop_market.orders", "ocop_market.payments"))]
    assert not bad, bad


def test_the_check_sees_an_upward_import(tmp_path):
    """The rule can fail: a payments module importing orders inside a function is found."""
    probe = tmp_path / "ocop_market" / "payments" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("def f():\n    from ..orders import services\n", encoding="utf-8")
    assert ("ocop_market.orders.services", True) in _imports(probe, tmp_path)
