"""Docs that cannot rot, as sqlite-utils' test_docs.py has it: every CLI command and option,
every setting of trends.toml, every environment variable and every table or view a user can
query appears in the README or docs/."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT
from trends.cli import build_parser
from warehouse.db import migrate

DOCS = "\n".join(p.read_text(encoding="utf-8")
                 for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def commands() -> list[tuple[str, argparse.ArgumentParser]]:
    """("sql", parser), ("sources import", parser)... for every command of the CLI."""
    def walk(parser: argparse.ArgumentParser,
             prefix: str) -> list[tuple[str, argparse.ArgumentParser]]:
        out = []
        for action in parser._actions:  # argparse keeps its subparsers there
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    full = f"{prefix} {name}".strip()
                    out.append((full, sub))
                    out += walk(sub, full)
        return out

    return walk(build_parser(), "")


@pytest.mark.parametrize(("name", "parser"), commands(), ids=lambda v: str(v))
def test_every_command_and_option_is_documented(name: str,
                                                parser: argparse.ArgumentParser) -> None:
    # the README's command list shows each command at the start of a line
    assert re.search(rf"^\s+{re.escape(name)}\b", DOCS, re.M), f"command {name!r}"
    for action in parser._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert flag in DOCS, f"{name} {flag}"


def settings() -> list[str]:
    """Every key trends.toml accepts: the sets given to the config parser's only_keys()."""
    tree = ast.parse((ROOT / "trends" / "config" / "load.py").read_text(encoding="utf-8"))
    keys: set[str] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "only_keys" and isinstance(node.args[-1], ast.Set)):
            keys |= {e.value for e in node.args[-1].elts if isinstance(e, ast.Constant)}
    return sorted(keys)


@pytest.mark.parametrize("key", settings())
def test_every_setting_is_documented(key: str) -> None:
    assert re.search(rf"(^|[\s`\[{{,]){re.escape(key)}( =|`|\]|\b)", DOCS, re.M), key


def environment() -> list[str]:
    src = (ROOT / "trends" / "config" / "settings.py").read_text(encoding="utf-8")
    return sorted(set(re.findall(r'get\("([A-Z][A-Z_]+)"\)', src)))


@pytest.mark.parametrize("variable", environment())
def test_every_environment_variable_is_documented(variable: str) -> None:
    assert f"`{variable}`" in DOCS, variable


def tables() -> list[str]:
    con = duckdb.connect()
    migrate(con)
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()]
    con.close()
    return sorted(n for n in names if n != "schema_migrations")


@pytest.mark.parametrize("table", tables())
def test_every_table_and_view_is_documented(table: str) -> None:
    assert f"`{table}`" in DOCS, table


def extras() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return sorted(project["optional-dependencies"])


@pytest.mark.parametrize("extra", extras())
def test_every_extra_is_documented(extra: str) -> None:
    assert f".[{extra}]" in DOCS or f"[{extra}," in DOCS or f",{extra}]" in DOCS, extra


def test_the_lists_are_not_empty() -> None:
    assert len(commands()) >= 14 and len(settings()) >= 30
    assert len(environment()) >= 7 and len(tables()) >= 15 and "analyst" in extras()
    assert Path(ROOT / "docs" / "layout.md").exists()
