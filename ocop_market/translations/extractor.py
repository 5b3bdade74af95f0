"""Babel extractor for ocop_market/**.py (named in babel.cfg): the usual Python extractor, plus label tables.

Several modules keep Vietnamese labels in module-level dicts and translate them where they are shown,
e.g. ``_(STATUS_LABELS.get(status, status))`` or ``[(k, _(v)) for k, v in SORT_LABELS.items()]``.
The plain extractor sees no string literal in those calls, so the labels would never reach the catalog
and would stay Vietnamese on English pages. This extractor finds every gettext call whose argument is not
a literal, collects the names used in that argument (and, for a loop variable, in the loop's iterable),
and also extracts the string values of module-level dict literals bearing one of those names, anywhere in
the package. A new label table used the same way is therefore picked up without marking its values.
Likewise `except ImageRejected as exc: ... _(str(exc))` extracts the literal messages of `raise ImageRejected("...")`.
"""
from __future__ import annotations

import ast
import io
import os
from collections.abc import Iterable, Iterator
from functools import lru_cache

from babel.messages.extract import extract_python

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GETTEXT_NAMES = frozenset({"_", "_l", "gettext", "lazy_gettext", "N_"})


def _names(node: ast.AST) -> set[str]:
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
    return found


def _loop_iterables(tree: ast.AST) -> dict[str, set[str]]:
    """Loop/comprehension variable -> names in the iterable it is bound from;
    `except X as exc` -> the exception class names (for `_(str(exc))`)."""
    out: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)):
            for target in ast.walk(node.target):
                if isinstance(target, ast.Name):
                    out.setdefault(target.id, set()).update(_names(node.iter))
        elif isinstance(node, ast.ExceptHandler) and node.name and node.type is not None:
            out.setdefault(node.name, set()).update(_names(node.type))
    return out


def dynamic_names_in(tree: ast.AST) -> set[str]:
    """Names feeding a gettext call whose message is not a string literal."""
    loops = _loop_iterables(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_NAMES):
            continue
        if not node.args:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            continue
        used = _names(arg)
        names |= used
        for name in used:
            names |= loops.get(name, set())
    return names


def _python_files(root: str) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)


@lru_cache(maxsize=4)
def dynamic_names(root: str = PACKAGE_DIR) -> frozenset[str]:
    names: set[str] = set()
    for path in _python_files(root):
        try:
            with open(path, encoding="utf-8") as f:
                names |= dynamic_names_in(ast.parse(f.read(), path))
        except (SyntaxError, UnicodeDecodeError):
            continue
    return frozenset(names)


def label_tables(tree: ast.Module, wanted: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line, text) for each string value of a module-level dict literal named in `wanted`, and for the
    literal message of each `raise X("...")` whose class X is named in `wanted` (shown via `_(str(exc))`)."""
    wanted = set(wanted)
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            func, arg = node.exc.func, node.exc.args[0]
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in wanted and isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
                yield arg.lineno, arg.value
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        if not isinstance(value, ast.Dict):
            continue
        if not any(isinstance(t, ast.Name) and t.id in wanted for t in targets):
            continue
        for item in value.values:
            if isinstance(item, ast.Constant) and isinstance(item.value, str) and item.value.strip():
                yield item.lineno, item.value


def extract(fileobj, keywords, comment_tags, options):
    """Babel extraction method: `[ocop_market.translations.extractor:extract: ocop_market/**.py]`."""
    data = fileobj.read()
    source = io.BytesIO(data)
    source.name = getattr(fileobj, "name", "(unknown)")  # for the extractor's warnings
    yield from extract_python(source, keywords, comment_tags, options)
    try:
        tree = ast.parse(data.decode(options.get("encoding", "utf-8")))
    except (SyntaxError, UnicodeDecodeError):
        return
    for lineno, text in label_tables(tree, dynamic_names()):
        yield lineno, None, text, []
