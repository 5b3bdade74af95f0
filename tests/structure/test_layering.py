"""The import rule (README "Architecture"): no domain imports a domain above it, and no two import each other.

Every `import` between `ocop_market` packages counts, at module level or inside a function: a function-level import
that dodges a cycle is still the cycle. The unit is a top-level package or module of `ocop_market`
(`ocop_market.catalog.services` is `catalog`). Read from the source with `ast`, so nothing is imported to check it.
"""
from __future__ import annotations

import ast
import pathlib
from collections import defaultdict

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "ocop_market"

#: The levels, lowest first. A unit may import units of a lower level. Within `base` and `pages` units may import
#: each other as long as there is no cycle; within any other level (siblings such as search and orders) not at all.
LEVELS: list[tuple[str, set[str]]] = [
    ("base", {"config", "extensions", "text", "money", "places", "timeutil", "audit", "errors", "security",
              "signals", "slots", "constraints", "templating", "translations", "db_tx", "routing", "validators", "charts", "paging",
              # the confirm page every action that cannot be undone goes through (issue 14)
              "confirming",
              # the response cache for anonymous visitors (Flask-Caching), which domains mark their pages with
              "response_cache",
              # per-process copies of reference data (groups, provinces) that follow the response cache's generation
              "reference_cache",
              # the task queue (Huey) and its job registry: any domain hands work to it
              "jobs",
              # HTML to PDF (WeasyPrint) with the shipped fonts: receipts, stamp sheets (issue 17)
              "pdf",
              # the one CSV writer of every export: Excel and machine variants (issue 14)
              "csv_export"}),
    # E-mail and SMS: an outbound-message outbox and its senders (adapters), used by accounts and anything above.
    ("messaging", {"messaging"}),
    ("accounts", {"accounts"}),
    ("catalog", {"catalog"}),
    # The provinces and OCOP groups every catalog needs (the first migration inserts them; seeds and tests call it).
    ("reference", {"reference"}),
    # payments: records, ledger and adapters below orders, which owns fulfilment (orders/fulfilment.py)
    ("payments", {"payments"}),
    ("search | orders", {"search", "orders"}),
    # carriers: a shipment belongs to a producer order; a carrier-confirmed delivery moves it (orders.services.move)
    ("carriers", {"carriers"}),
    ("programs", {"programs"}),
    # promotions builds on programs: the free promotion goes to households in an active support project.
    ("promotions", {"promotions"}),
    # The pages that compose the domains: staff area, JSON API, seeds, operations, the app factory.
    ("pages", {"admin", "api", "demo", "backup", "health", "cli", "hubs", "__init__"}),
]
SIBLINGS_MAY_IMPORT = {"base", "pages"}

#: Today's violations that other engineers are removing (issue 11). Each names its owner; delete an entry when the
#: edge is gone — `test_allow_list_is_not_stale` fails on an entry that no longer occurs, so the list only shrinks.
ALLOWED_VIOLATIONS: dict[tuple[str, str], str] = {
}

#: Function-level imports inside a domain that their owners are moving to the top of the module.
ALLOWED_LATE_IMPORTS: dict[tuple[str, str], str] = {
}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(inside_functions: bool = False) -> dict[tuple[str, str], list[str]]:
    """(importer unit, imported unit) -> where, for every import between two different units (with
    `inside_functions`, only the imports written inside a function)."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("").parts
        package = rel[:-1]  # what a relative import starts from (a package's __init__ included)
        module = ".".join(rel if rel[-1] != "__init__" else rel[:-1])
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        nodes = ast.walk(tree)
        if inside_functions:
            nodes = (n for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                     for n in ast.walk(f))
        for node in nodes:
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = list(package[: len(package) - node.level + 1])
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                # `from . import audit` names a module; `from .catalog.models import X` names its module.
                targets = [f"{target}.{a.name}" for a in node.names] if target == "ocop_market" else [target]
            else:
                continue
            for target in targets:
                if target.split(".")[0] != "ocop_market":
                    continue
                src, dst = _unit(module), _unit(target)
                if src != dst:
                    edges[(src, dst)].append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return edges


def who_may_import_whom() -> str:
    """The layering as a short list, lowest first, made from LEVELS: the README shows exactly this
    (`python -m tests.structure.test_layering` prints it; `test_readme_shows_the_layering` compares)."""
    lines = []
    for i, (name, units) in enumerate(LEVELS):
        below = ", ".join(n.replace(" | ", ", ") for n, _ in LEVELS[:i])
        shown = sorted("__init__ (create_app)" if u == "__init__" else u for u in units)
        listed = name if set(name.replace("|", " ").split()) == units else f"{name} ({', '.join(shown)})"
        if name in SIBLINGS_MAY_IMPORT:
            rule = f"{below}, and one another without a cycle" if below else "one another, without a cycle"
        else:
            rule = below + ("; not one another" if len(units) > 1 else "")
        lines.append(f"{i + 1}. {listed} may import: {rule}")
    return "\n".join(lines)


README = PACKAGE.parent / "README.md"
README_START, README_END = "<!-- layering: generated from tests/structure/test_layering.py LEVELS -->", "<!-- /layering -->"


def _level_of() -> dict[str, int]:
    return {unit: i for i, (_, units) in enumerate(LEVELS) for unit in units}


def _violates(src: str, dst: str, level: dict[str, int]) -> bool:
    if level[dst] < level[src]:
        return False
    return not (level[dst] == level[src] and LEVELS[level[src]][0] in SIBLINGS_MAY_IMPORT)


EDGES = _imports()


def test_every_unit_has_a_level():
    """A new top-level package or module must be placed in LEVELS (and in the README's picture)."""
    units = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if p.suffix == ".py" or (p.is_dir() and any(p.glob("*.py")))}
    level = _level_of()
    assert sorted(units - set(level)) == []
    assert sorted(set(level) - units) == []


def test_readme_shows_the_layering():
    """The README's list of who may import whom is the one these tests enforce (regenerate it with
    `python -m tests.structure.test_layering` after changing LEVELS)."""
    text = README.read_text(encoding="utf-8")
    shown = text.split(README_START, 1)[1].split(README_END, 1)[0]
    assert shown.strip().removeprefix("```").removesuffix("```").strip() == who_may_import_whom()


def test_no_domain_imports_a_domain_above_it():
    level = _level_of()
    upward = {f"{src} -> {dst}": where for (src, dst), where in EDGES.items()
              if src in level and dst in level and _violates(src, dst, level)
              and (src, dst) not in ALLOWED_VIOLATIONS}
    assert upward == {}


def test_no_cycles():
    """Between the units that may import each other (base, pages) and overall, leaving out the allow-list."""
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dst in EDGES:
        if (src, dst) not in ALLOWED_VIOLATIONS:
            graph[src].add(dst)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_function_level_imports_only_where_pages_compose():
    """Inside a domain a function-level import of another unit only hides a cycle (or an import that belongs at the
    top). The pages (create_app, commands, seeds) may import late: registering blueprints and commands."""
    level = _level_of()
    pages = next(units for name, units in LEVELS if name == "pages")
    hidden = {f"{src} -> {dst}": where for (src, dst), where in _imports(inside_functions=True).items()
              if src in level and src not in pages and (src, dst) not in ALLOWED_VIOLATIONS
              and (src, dst) not in ALLOWED_LATE_IMPORTS}
    assert hidden == {}
    late = _imports(inside_functions=True)
    assert [f"{src} -> {dst} ({owner})" for (src, dst), owner in ALLOWED_LATE_IMPORTS.items()
            if (src, dst) not in late] == []


def test_allow_list_is_not_stale():
    """An entry whose import is gone must be deleted, so the list reaches empty as the fixes land."""
    level = _level_of()
    stale = [f"{src} -> {dst} ({owner})" for (src, dst), owner in ALLOWED_VIOLATIONS.items()
             if (src, dst) not in EDGES or (src in level and dst in level and not _violates(src, dst, level))]
    assert stale == []


@pytest.mark.parametrize("source, expected", [
    ("from ..programs.services import x\n", ("catalog", "programs")),
    ("def f():\n    from ..search import views\n", ("catalog", "search")),
    ("import ocop_market.orders.models\n", ("catalog", "orders")),
])
def test_the_scanner_sees_module_and_function_level_imports(tmp_path, monkeypatch, source, expected):
    """The rule is only as good as its scanner: each form of import is found, inside a function too."""
    package = tmp_path / "ocop_market"
    (package / "catalog").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "catalog" / "__init__.py").write_text("")
    (package / "catalog" / "views.py").write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", package)
    assert expected in _imports()


if __name__ == "__main__":
    print(who_may_import_whom())
