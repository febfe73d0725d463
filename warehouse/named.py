"""Named queries: the `.sql` files in `warehouse/queries/`, run by name (`trends query NAME`).

A file starts with comment lines: a description, then one line per parameter,

    -- How long did each trend last?
    -- param client: a client id from trends.toml          (required)
    -- param topic = : part of a topic label (optional, default: the empty string)

and its SQL uses the parameters as DuckDB named parameters (`$client`), never as pasted text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

from trends.errors import ConfigError

__all__ = ["FLAGGED_PARAMS", "NamedQuery", "all_queries", "get", "parse"]

# Parameters `trends query` takes as flags of their own (--client ID); any other is given as
# --param NAME=VALUE.
FLAGGED_PARAMS = ("client", "topic", "day", "days")

_PARAM = re.compile(r"^--\s*param\s+(\w+)\s*(?:=\s*([^:]*?))?\s*:\s*(.*)$")
_NAME = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    description: str
    sql: str
    params: dict[str, str] = field(default_factory=dict)          # name -> description
    defaults: dict[str, str] = field(default_factory=dict)        # name -> default value

    def bind(self, given: dict[str, str]) -> dict[str, str]:
        """The parameter values for DuckDB; a missing required one is a ConfigError."""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            raise ConfigError(f"query {self.name!r} takes no parameter {unknown[0]!r}",
                              key="--param", fix=self._usage())
        values = {**self.defaults, **given}
        missing = [p for p in self.params if p not in values]
        if missing:
            raise ConfigError(f"query {self.name!r} needs --{missing[0]}",
                              key=f"--{missing[0]}", fix=self._usage())
        return {p: values[p] for p in self.params}

    def _usage(self) -> str:
        if not self.params:
            return f"run it as: trends query {self.name}"
        args = " ".join(_flag(p) if p not in self.defaults else f"[{_flag(p)}]"
                        for p in self.params)
        return f"run it as: trends query {self.name} {args}"


def _flag(param: str) -> str:
    return f"--{param} VALUE" if param in FLAGGED_PARAMS else f"--param {param}=VALUE"


def parse(name: str, text: str) -> NamedQuery:
    description: list[str] = []
    params: dict[str, str] = {}
    defaults: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        m = _PARAM.match(line)
        if m:
            params[m.group(1)] = m.group(3).strip()
            if m.group(2) is not None:
                defaults[m.group(1)] = m.group(2).strip()
        else:
            description.append(line[2:].strip())
    return NamedQuery(name=name, description=" ".join(description), sql=text,
                      params=params, defaults=defaults)


def all_queries() -> dict[str, NamedQuery]:
    """Every bundled named query, by name."""
    found = {}
    for entry in resources.files("warehouse").joinpath("queries").iterdir():
        if entry.name.endswith(".sql"):
            name = entry.name[:-4]
            found[name] = parse(name, entry.read_text(encoding="utf-8"))
    return dict(sorted(found.items()))


def get(name: str) -> NamedQuery:
    queries = all_queries()
    if not _NAME.match(name) or name not in queries:
        raise ConfigError(f"no named query {name!r}", key="query",
                          fix=f"use one of: {', '.join(queries)} (files in warehouse/queries/)")
    return queries[name]
