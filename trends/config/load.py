"""trends.toml: typed settings with precise, one-line errors.

Lookup order: `--config PATH`, else `$TRENDS_CONFIG`, else `./trends.toml`.
Secrets never live here: they come from the environment (see `Env`).
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trends.config.settings import (
    DEFAULT_EVERY,
    DEFAULT_LEAD_DAYS,
    LANGUAGES,
    POLICIES,
    SOURCE_KINDS,
    TONES,
    AlertSettings,
    ClientConfig,
    ClientDate,
    Config,
    Keyword,
    SignalSettings,
    SourceConfig,
    WarehouseConfig,
)
from trends.errors import ConfigError

__all__ = ["load_config", "parse_config", "parse_every", "resolve_path"]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_EVERY = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DATE = re.compile(r"(\d{4}-)?\d{2}-\d{2}")
# Slack's rules for a channel name; or a channel's ID (public C..., private G...).
_CHANNEL_NAME = re.compile(r"#?[a-z0-9_-][a-z0-9_.-]{0,79}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")


def _valid_date(text: str) -> bool:
    # "02-29" is valid for an every-year date: checked against a leap year.
    try:
        date.fromisoformat(text if len(text) == 10 else f"2000-{text}")
    except ValueError:
        return False
    return True


def resolve_path(explicit: str | os.PathLike[str] | None) -> Path:
    """Where the config lives: the flag, else $TRENDS_CONFIG, else ./trends.toml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("TRENDS_CONFIG")
    return Path(env) if env else Path("trends.toml")


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate trends.toml. Every problem is a `ConfigError` naming file, key and fix."""
    file = resolve_path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", file=str(file),
                          fix="run `trends init` to write a starter config, "
                              "or pass --config PATH") from None
    except OSError as exc:
        raise ConfigError(f"cannot read ({exc.strerror})", file=str(file)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML ({exc})", file=str(file),
                          fix="check quoting and brackets on that line") from None
    return parse_config(data, file)


def parse_config(data: dict[str, Any], file: Path) -> Config:
    p = _Parser(str(file))
    p.only_keys(data, "", {"warehouse", "sources", "clients", "signals", "alerts"})
    wh = data.get("warehouse", {})
    p.expect_table(wh, "warehouse")
    p.only_keys(wh, "warehouse", {"path", "snapshot", "url"})
    wh_path = Path(p.string(wh, "warehouse", "path", default="data/trends.duckdb"))
    if not wh_path.is_absolute():
        wh_path = file.parent / wh_path   # relative to the config file, not the working directory
    snapshot = Path(p.string(wh, "warehouse", "snapshot")) if "snapshot" in wh else None
    if snapshot is not None and not snapshot.is_absolute():
        snapshot = file.parent / snapshot
    wh_url = p.string(wh, "warehouse", "url") if "url" in wh else None
    if wh_url is not None and not wh_url.startswith(("md:", "motherduck:", "ducklake:")):
        raise p.fail("warehouse.url", f"unsupported connection string {wh_url!r}",
                     'use "md:DATABASE" (MotherDuck) or "ducklake:METADATA" (DuckLake), '
                     "or remove it to use the local file in path")

    if not data:
        raise p.fail("", "the file is empty", "add [[sources]] and [[clients]] tables "
                     "(`trends init --force` writes a starter config)")
    sources = tuple(p.source(s, f"sources[{i}]") for i, s in enumerate(p.array(data, "sources")))
    p.unique([s.name for s in sources], "sources", "name")
    clients = tuple(p.client(c, f"clients[{i}]") for i, c in enumerate(p.array(data, "clients")))
    p.unique([c.id for c in clients], "clients", "id")
    # Valid, but probably not meant: said on every command that runs a job (Config.warnings).
    warnings = tuple(w for w in (
        None if sources else f"{file}: no [[sources]]: there is nothing to ingest; add a "
                             "[[sources]] table",
        None if clients else f"{file}: no [[clients]]: no idea, digest or alert is made; add a "
                             "[[clients]] table") if w)
    return Config(file=file, warehouse=WarehouseConfig(path=wh_path, snapshot=snapshot,
                                                       url=wh_url), sources=sources,
                  clients=clients, signals=p.signals(data.get("signals", {})),
                  alerts=p.alerts(data.get("alerts", {})), warnings=warnings)


def parse_every(text: str) -> timedelta:
    """'15m' -> 15 minutes. Units: s, m, h, d."""
    m = _EVERY.match(text.strip())
    if not m or int(m.group(1)) == 0:
        raise ValueError(text)
    return timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])


class _Parser:
    """Validation helpers that know the file name, so every error can name it."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(problem, file=self.file, key=key or None, fix=fix)

    def expect_table(self, value: Any, key: str) -> None:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table", f"write it as [{key}]")

    def only_keys(self, table: dict[str, Any], where: str, allowed: set[str]) -> None:
        for k in table:
            if k not in allowed:
                key = f"{where}.{k}" if where else k
                raise self.fail(key, "unknown key",
                                f"remove it or use one of: {', '.join(sorted(allowed))}")

    def array(self, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "must be an array of tables", f"write each entry as [[{key}]]")
        return value

    def string(self, table: dict[str, Any], where: str, key: str, *,
               default: str | None = None) -> str:
        if key not in table:
            if default is not None:
                return default
            raise self.fail(f"{where}.{key}", "missing required field", f'add {key} = "..."')
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "must be a non-empty string", f'write {key} = "..."')
        return value.strip()

    def strings(self, table: dict[str, Any], where: str, key: str, *,
                required: bool = False) -> tuple[str, ...]:
        if key not in table:
            if required:
                raise self.fail(f"{where}.{key}", "missing required field",
                                f'add {key} = ["...", "..."]')
            return ()
        value = table[key]
        if isinstance(value, str):
            raise self._string_for_list(f"{where}.{key}", key, value)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{where}.{key}", "must be a list of non-empty strings",
                            f'write {key} = ["...", "..."]')
        return tuple(v.strip() for v in value)

    def _string_for_list(self, key: str, name: str, value: str) -> ConfigError:
        # "kopi, ngopi" used to become one keyword that never matched: say so, and show the list.
        parts = [p.strip() for p in value.split(",") if p.strip()] or [value]
        listed = ", ".join(f'"{p}"' for p in parts)
        return self.fail(key, f"must be a list, not the string {value!r}",
                         f"write {name} = [{listed}]")

    def keywords(self, t: dict[str, Any], where: str, name: str = "keywords", *,
                 required: bool = True) -> tuple[Keyword, ...]:
        """`keywords` (the brand's own field) or `audience` (what its audience cares about):
        plain strings, or tables {term, weight, synonyms, unless} mixed with them."""
        key = f"{where}.{name}"
        raw = t.get(name)
        if raw is None and not required:
            return ()
        if raw is None:
            raise self.fail(key, "missing required field", f'add {name} = ["...", "..."]')
        if isinstance(raw, str):
            raise self._string_for_list(key, name, raw)
        if not isinstance(raw, list) or not raw:
            raise self.fail(key, "must be a non-empty list",
                            f'write {name} = ["kopi", {{term = "kedai kopi", weight = 2}}]')
        specs = []
        for i, entry in enumerate(raw):
            if isinstance(entry, str) and entry.strip():
                specs.append(Keyword(entry.strip()))
                continue
            if not isinstance(entry, dict):
                raise self.fail(f"{key}[{i}]", "must be a string or a table",
                                'write "kopi" or {term = "kopi", weight = 2, '
                                'synonyms = ["coffee"]}')
            self.only_keys(entry, f"{key}[{i}]", {"term", "weight", "synonyms", "unless"})
            term = self.string(entry, f"{key}[{i}]", "term")
            weight = entry.get("weight", 1.0)
            if isinstance(weight, bool) or not isinstance(weight, int | float) \
                    or not 0 < weight <= 5:
                raise self.fail(f"{key}[{i}].weight", f"bad weight {weight!r}",
                                "use a number above 0 and at most 5 (1 is the default)")
            synonyms = self.strings(entry, f"{key}[{i}]", "synonyms")
            unless = self.strings(entry, f"{key}[{i}]", "unless")
            specs.append(Keyword(term, float(weight), synonyms, unless))
        return tuple(specs)

    def client_dates(self, t: dict[str, Any], where: str) -> tuple[ClientDate, ...]:
        """`dates`: [{name, date = "MM-DD" | "YYYY-MM-DD", keywords}] (anniversaries, launches)."""
        raw = t.get("dates", [])
        if not isinstance(raw, list) or not all(isinstance(d, dict) for d in raw):
            raise self.fail(f"{where}.dates", "must be a list of tables",
                            'write dates = [{name = "Anniversary", date = "11-28"}]')
        out = []
        for i, d in enumerate(raw):
            w = f"{where}.dates[{i}]"
            self.only_keys(d, w, {"name", "date", "keywords", "lead_days"})
            name = self.string(d, w, "name")
            when = self.string(d, w, "date")
            if not _DATE.fullmatch(when) or not _valid_date(when):
                raise self.fail(f"{w}.date", f"bad date {when!r}",
                                'write "MM-DD" for every year or "YYYY-MM-DD" for one day')
            lead = d.get("lead_days", DEFAULT_LEAD_DAYS)
            if isinstance(lead, bool) or not isinstance(lead, int) or not 0 <= lead <= 90:
                raise self.fail(f"{w}.lead_days", f"bad lead_days {lead!r}",
                                "write how many days ahead the digest should show it, 0 to 90")
            out.append(ClientDate(name, when, self.strings(d, w, "keywords"), lead))
        return tuple(out)

    def signals(self, t: Any) -> SignalSettings:
        """`[signals]`: sensitivity of the spike test and of the trend windows."""
        self.expect_table(t, "signals")
        self.only_keys(t, "signals", {"k", "min_events", "min_items", "spacing", "window",
                                      "recent", "half_life"})
        d = SignalSettings()

        def duration(key: str, default: timedelta) -> timedelta:
            if key not in t:
                return default
            try:
                return parse_every(str(t[key]))
            except ValueError:
                raise self.fail(f"signals.{key}", f"bad duration {t[key]!r}",
                                'write a number and a unit, such as "12h" or "7d"') from None

        def count(key: str, default: int) -> int:
            v = t.get(key, default)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise self.fail(f"signals.{key}", f"bad count {v!r}",
                                "use a whole number of items, 1 or more")
            return v

        k = t.get("k", d.k)
        if isinstance(k, bool) or not isinstance(k, int | float) or not 0 < k <= 10:
            raise self.fail("signals.k", f"bad multiple {k!r}",
                            "use a number above 0 and at most 10 (standard deviations; 2 is "
                            "the default, lower is more sensitive)")
        recent = duration("recent", d.recent)
        window = duration("window", recent + timedelta(days=d.baseline_days))
        if window < 3 * recent or window % recent:
            raise self.fail("signals.window", f"window {t.get('window')!r} does not fit",
                            f"use a whole number of recent windows ({t.get('recent', '24h')}), "
                            "at least 3 of them, such as \"7d\"")
        return SignalSettings(
            recent=recent, baseline_days=(window - recent) / timedelta(days=1),
            half_life=duration("half_life", d.half_life), min_items=count("min_items", d.min_items),
            k=float(k), min_events=count("min_events", d.min_events),
            spacing=duration("spacing", d.spacing))

    def alerts(self, t: Any) -> AlertSettings:
        """`[alerts]`: velocity, min_mentions, cooldown, daily_cap, enabled."""
        self.expect_table(t, "alerts")
        self.only_keys(t, "alerts", {"velocity", "min_mentions", "cooldown", "daily_cap",
                                     "enabled"})
        d = AlertSettings()
        velocity = t.get("velocity", d.velocity)
        if isinstance(velocity, bool) or not isinstance(velocity, int | float) or velocity <= 1:
            raise self.fail("alerts.velocity", f"bad velocity {velocity!r}",
                            "use a number above 1 (times the topic's usual rate), such as 3")
        counts = {}
        for key, default, low in (("min_mentions", d.min_mentions, 1),
                                  ("daily_cap", d.daily_cap, 0)):
            v = t.get(key, default)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise self.fail(f"alerts.{key}", f"bad count {v!r}",
                                f"use a whole number, {low} or more")
            counts[key] = v
        cooldown = d.cooldown
        if "cooldown" in t:
            try:
                cooldown = parse_every(str(t["cooldown"]))
            except ValueError:
                raise self.fail("alerts.cooldown", f"bad duration {t['cooldown']!r}",
                                'write a number and a unit, such as "24h"') from None
        enabled = t.get("enabled", True)
        if not isinstance(enabled, bool):
            raise self.fail("alerts.enabled", f"bad flag {enabled!r}", "write true or false")
        return AlertSettings(velocity=float(velocity), min_mentions=counts["min_mentions"],
                             cooldown=cooldown, daily_cap=counts["daily_cap"], enabled=enabled)

    def channel(self, t: dict[str, Any], where: str, cid: str) -> str:
        """A Slack channel: "#name" (lowercase letters, digits, '-', '_', at most 80) or an ID."""
        channel = self.string(t, where, "channel", default=f"#{cid}")
        if not (_CHANNEL_NAME.fullmatch(channel) or _CHANNEL_ID.fullmatch(channel)):
            suggestion = "#" + re.sub(r"[^a-z0-9_-]+", "-", channel.lower().lstrip("#")).strip("-")
            raise self.fail(f"{where}.channel", f"bad Slack channel {channel!r}",
                            f'write a channel name such as "{suggestion}" (lowercase letters, '
                            "digits, '-' and '_', no spaces) or a channel ID such as C0123ABCD")
        return channel

    def unique(self, values: list[str], where: str, key: str) -> None:
        seen: set[str] = set()
        for i, v in enumerate(values):
            if v in seen:
                raise self.fail(f"{where}[{i}].{key}", f"duplicate {key} {v!r}",
                                f"give every entry of [[{where}]] its own {key}")
            seen.add(v)

    def source(self, t: dict[str, Any], where: str) -> SourceConfig:
        self.only_keys(t, where, {"name", "kind", "url", "language", "every"})
        name = self.string(t, where, "name")
        kind = self.string(t, where, "kind")
        if kind not in SOURCE_KINDS:
            raise self.fail(f"{where}.kind", f"unknown source kind {kind!r}",
                            f"use one of: {', '.join(SOURCE_KINDS)}")
        url = self.string(t, where, "url")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.fail(f"{where}.url", f"not an http(s) URL: {url!r}",
                            'write a full URL such as "https://example.com/feed.xml"')
        language = t.get("language")
        if language is not None and language not in LANGUAGES:
            raise self.fail(f"{where}.language", f"unknown language {language!r}",
                            f"use one of: {', '.join(LANGUAGES)} (or leave it out)")
        every = DEFAULT_EVERY
        if "every" in t:
            raw = t["every"]
            try:
                every = parse_every(str(raw))
            except ValueError:
                raise self.fail(f"{where}.every", f"bad interval {raw!r}",
                                'write a number and a unit, such as "15m", "1h" or "1d"') from None
        return SourceConfig(name=name, kind=kind, url=url, language=language, every=every)

    def client(self, t: dict[str, Any], where: str) -> ClientConfig:
        self.only_keys(t, where, {"id", "name", "languages", "keywords", "audience", "exclude",
                                  "channel", "timezone", "digest_time", "tone", "hashtags",
                                  "policy", "dates"})
        cid = self.string(t, where, "id")
        if not _SLUG.match(cid):
            raise self.fail(f"{where}.id", f"bad id {cid!r}",
                            "use lowercase letters, digits, '-' and '_' only")
        languages = self.strings(t, where, "languages") or ("id",)
        for lang in languages:
            if lang not in LANGUAGES:
                raise self.fail(f"{where}.languages", f"unknown language {lang!r}",
                                f"use one or more of: {', '.join(LANGUAGES)}")
        tz = self.string(t, where, "timezone", default="Asia/Jakarta")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(f"{where}.timezone", f"unknown time zone {tz!r}",
                            'use an IANA name such as "Asia/Jakarta" or "Asia/Hong_Kong"') from None
        raw_time = self.string(t, where, "digest_time", default="08:00")
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", raw_time)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise self.fail(f"{where}.digest_time", f"bad time {raw_time!r}",
                            'write 24-hour HH:MM, such as "08:00"')
        tone = self.string(t, where, "tone", default="mixed")
        if tone not in TONES:
            raise self.fail(f"{where}.tone", f"unknown tone {tone!r}",
                            f"use one of: {', '.join(TONES)}")
        policy = self.string(t, where, "policy", default="avoid")
        if policy not in POLICIES:
            raise self.fail(f"{where}.policy", f"unknown policy {policy!r}",
                            'use "avoid" (never suggest sensitive topics) or "flag" '
                            "(suggest them with a warning)")
        specs = self.keywords(t, where)
        return ClientConfig(
            id=cid,
            name=self.string(t, where, "name", default=cid),
            languages=languages,
            keywords=tuple(k.term for k in specs),
            keyword_specs=specs,
            audience=self.keywords(t, where, "audience", required=False),
            policy=policy,
            dates=self.client_dates(t, where),
            exclude=self.strings(t, where, "exclude"),
            channel=self.channel(t, where, cid),
            timezone=tz,
            digest_time=time(int(m.group(1)), int(m.group(2))),
            tone=tone,
            hashtags=self.strings(t, where, "hashtags"),
        )
