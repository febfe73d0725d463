"""Every public module says what it exports, as httpx's tests/test_exported_members.py has it:
`__all__` exists, names only what the module has, and names every public function and class
the module defines. Private means private: what is not in `__all__` starts with "_"."""

from __future__ import annotations

import ast
import importlib

import pytest

from tests.test_layering import modules

PUBLIC = [name for name, _ in modules("trends", "warehouse", "flows")
          if not any(part.startswith("_") for part in name.split("."))
          and name not in ("trends", "warehouse", "flows")]


def defined_publics(name: str) -> set[str]:
    """Functions and classes the module defines at its top level without a leading "_"."""
    path = next(p for n, p in modules("trends", "warehouse", "flows") if n == name)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and not node.name.startswith("_")}


@pytest.mark.parametrize("name", PUBLIC)
def test_public_module_declares_all(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list), f"{name} has no __all__"
    # a package may export nothing (its modules are the API); a module always exports
    assert exported or hasattr(module, "__path__"), f"{name} exports nothing"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it lacks: {missing}"
    undeclared = sorted(defined_publics(name) - set(exported))
    assert not undeclared, f"{name} defines public names it does not export: {undeclared}"


def test_there_are_modules_to_check() -> None:
    assert len(PUBLIC) > 60 and "trends.deliver.outbox" in PUBLIC
