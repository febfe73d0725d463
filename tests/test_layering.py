"""The layout's rules, read from the imports of every module (docs: DESIGN.md, "Layers").

- The stages import only earlier stages: collect -> understand -> decide -> deliver.
- Pure modules (all of trends/ but the `*_job` modules, `runs`, the CLI and the demo) import
  neither `warehouse` nor `flows` nor `prefect`.
- `warehouse/` imports only `trends.models`, `trends.errors` and `trends.config` of the library.
- Nothing imports another module's `_private` names, tests included.
- `flows/` reads no environment variable (trends.config.Env does), and of `trends/` only the
  entry points (the CLI, the demo) import `flows/`.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

OURS = ("trends", "warehouse", "flows", "tests", "bench")
STAGES = ("collect", "understand", "decide", "deliver")
ENTRY = {"trends.cli", "trends.runs"}
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make"}


def modules(*roots: str) -> Iterator[tuple[str, Path]]:
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            yield ".".join(parts), path


@functools.cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def imports(path: Path) -> Iterator[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import, nested ones too."""
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names], node.lineno


def is_job(module: str) -> bool:
    return (module.rsplit(".", 1)[-1].endswith("_job") or module in ENTRY
            or module.startswith("trends.demo"))


def stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[0] == "trends" \
        and parts[1] in STAGES else None


def test_stages_import_only_earlier_stages() -> None:
    wrong = []
    for name, path in modules("trends"):
        here = stage(name)
        for target, _, line in imports(path):
            there = stage(target)
            if here is not None and there is not None and there > here:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, wrong


def where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def pure_module_violations(name: str, path: Path) -> list[str]:
    if is_job(name):
        return []
    return [f"{where(path)}:{line} imports {target}"
            for target, _, line in imports(path)
            if target.split(".")[0] in ("warehouse", "flows", "prefect", "prefect_dask")]


def test_pure_modules_import_neither_warehouse_nor_flows_nor_prefect() -> None:
    wrong = [v for name, path in modules("trends") for v in pure_module_violations(name, path)]
    assert not wrong, wrong


def test_a_pure_module_that_imports_the_warehouse_is_caught(tmp_path: Path) -> None:
    pure = tmp_path / "relevance.py"
    pure.write_text("from trends.models import Idea\nimport warehouse\n", encoding="utf-8")
    assert pure_module_violations("trends.decide.relevance", pure) == [
        f"{pure}:2 imports warehouse"]
    assert pure_module_violations("trends.decide.ideas_job", pure) == []   # a job may


def test_the_warehouse_imports_only_models_errors_and_settings() -> None:
    allowed = ("trends.models", "trends.errors", "trends.config")
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {target}"
             for _, path in modules("warehouse") for target, _, line in imports(path)
             if target.split(".")[0] in ("trends", "flows")
             and not target.startswith(allowed)]
    assert not wrong, wrong


def test_the_library_never_imports_flows() -> None:
    # the entry points start flows when a Prefect server is configured
    entry = ("trends.cli", "trends.demo")
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {target}"
             for name, path in modules("trends", "warehouse") if not name.startswith(entry)
             for target, _, line in imports(path) if target.split(".")[0] == "flows"]
    assert not wrong, wrong


@functools.cache
def _known_modules() -> frozenset[str]:
    return frozenset(name for name, _ in modules(*OURS))


def _module_aliases(tree: ast.AST) -> dict[str, str]:
    """Local names bound to one of our modules: `import a.b as m`, `from a import b`."""
    known = _known_modules()
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in OURS:
                    out[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in OURS:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in known:
                    out[alias.asname or alias.name] = full
    return out


def private_uses(path: Path) -> list[str]:
    tree = parsed(path)
    found = []
    for target, names, line in imports(path):
        if target.split(".")[0] in OURS:
            found += [f"{line}: from {target} import {n}" for n in names
                      if n.startswith("_") and not n.startswith("__")]
    aliases = _module_aliases(tree)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and node.attr.startswith("_")
                and not node.attr.startswith("__") and node.attr not in NAMEDTUPLE_API):
            found.append(f"{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return found


def test_nothing_imports_another_modules_private_names() -> None:
    wrong = [f"{path.relative_to(ROOT)}:{use}" for _, path in modules(*OURS)
             for use in private_uses(path)]
    assert not wrong, wrong


def test_flows_read_no_environment_variable() -> None:
    wrong = []
    for _, path in modules("flows"):
        for node in ast.walk(parsed(path)):
            reads = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                     and node.func.attr in ("get", "getenv")
                     and "environ" in ast.unparse(node.func.value) + node.func.attr)
            load = (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                    and ast.unparse(node.value) == "os.environ")
            if reads or load:
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert not wrong, wrong
