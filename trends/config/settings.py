"""Typed settings: what trends.toml and the environment say, as frozen records.

Every stage and the warehouse may use these (`trends.config.load` builds them from a file).
Secrets never live in trends.toml: they come from the environment (`Env`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from trends.errors import ConfigError

__all__ = ["DEFAULT_EVERY", "DEFAULT_LEAD_DAYS", "LANGUAGES", "POLICIES", "SOURCE_KINDS", "TONES",
           "AlertSettings",
           "ClientConfig", "ClientDate", "Config", "Env", "Keyword", "SignalSettings",
           "SourceConfig", "WarehouseConfig"]

SOURCE_KINDS = (
    "rss", "google_trends", "google_news", "reddit", "youtube", "hackernews",
    "mastodon_trends", "wikipedia_top", "bluesky_trending",
)
TONES = ("soft_sell", "hard_sell", "mixed")
POLICIES = ("avoid", "flag")   # what to do with a sensitive topic (trends/decide/safety.py)
LANGUAGES = ("id", "en")
DEFAULT_EVERY = timedelta(minutes=15)
DEFAULT_LEAD_DAYS = 7             # how far ahead a client's own date shows in the digest

@dataclass(frozen=True, slots=True)
class SignalSettings:
    """Sensitivity of the trend signal; `[signals]` in trends.toml overrides these."""

    recent: timedelta = timedelta(hours=24)     # the "now" window, and one bucket of the series
    baseline_days: float = 6                    # previous days the recent window is compared with
    half_life: timedelta = timedelta(hours=48)  # freshness halves every half-life since first seen
    min_items: int = 2                          # minimum evidence: items in the recent window
    k: float = 2.0                              # spike: above mean + k standard deviations
    min_events: int = 2                         # spike: at least this many items in the bucket
    spacing: timedelta = timedelta(days=2)      # spike: a new peak only this long after the last

    @property
    def buckets(self) -> int:
        """Buckets in the series: the baseline days in recent-window steps, plus the recent one."""
        return max(2, round(self.baseline_days * (timedelta(days=1) / self.recent))) + 1


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    kind: str
    url: str
    language: str | None = None
    every: timedelta = DEFAULT_EVERY


@dataclass(frozen=True, slots=True)
class Keyword:
    """A client keyword or phrase with its weight and synonyms (in any language), and the
    words that, in the same story, mean the keyword is used in another sense (`unless`)."""

    term: str
    weight: float = 1.0
    synonyms: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClientDate:
    """A date that matters to one client: `when` is "MM-DD" (every year) or "YYYY-MM-DD";
    the digest shows it `lead_days` ahead."""

    name: str
    when: str
    keywords: tuple[str, ...] = ()
    lead_days: int = DEFAULT_LEAD_DAYS


@dataclass(frozen=True, slots=True)
class ClientConfig:
    id: str
    name: str
    languages: tuple[str, ...]
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    channel: str = ""
    timezone: str = "Asia/Jakarta"
    digest_time: time = time(8, 0)
    tone: str = "mixed"
    hashtags: tuple[str, ...] = ()
    # Weighted keywords with synonyms; empty means every entry of `keywords` with weight 1.
    # They name the brand's own field (what it sells or does: "kopi", "siaran langsung").
    keyword_specs: tuple[Keyword, ...] = ()
    # What the brand's audience cares about beyond its field ("nobar", "timnas" for a coffee
    # chain): a topic matching these fits the audience, not the brand's field.
    audience: tuple[Keyword, ...] = ()
    policy: str = "avoid"
    dates: tuple[ClientDate, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_day(self, at: datetime) -> date:
        """The client's local calendar day at `at`: its digest's day."""
        return at.astimezone(self.tz).date()


@dataclass(frozen=True, slots=True)
class WarehouseConfig:
    path: Path
    # The read snapshot that `trends sql`, `status` and analysts open; published after each
    # writing run (see warehouse/snapshot.py). Default: snapshot/<name> beside the warehouse.
    snapshot: Path | None = None
    # A DuckDB connection string for a warehouse that is not a local file ("md:trends" for
    # MotherDuck, "ducklake:..." for DuckLake); `path` is then unused. See docs/operations.md.
    url: str | None = None

    @property
    def snapshot_path(self) -> Path:
        return self.snapshot or self.path.parent / "snapshot" / self.path.name


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """`[alerts]`: when a relevant topic's spike becomes a Slack alert
    (trends/deliver/alert_job.py)."""

    velocity: float = 3.0                  # without the signal's spike flag:
                                           # recent/baseline at least
    min_mentions: int = 5                  # evidence: items in the recent window
    cooldown: timedelta = timedelta(hours=24)   # per client and topic
    daily_cap: int = 3                     # alerts per client and local day
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Config:
    file: Path
    warehouse: WarehouseConfig
    sources: tuple[SourceConfig, ...]
    clients: tuple[ClientConfig, ...]
    signals: SignalSettings = SignalSettings()   # [signals]: trend sensitivity
    alerts: AlertSettings = AlertSettings()      # [alerts]: spike alerts
    # What is valid but probably not meant (no clients at all): the CLI prints these.
    warnings: tuple[str, ...] = ()

    @property
    def prefect_home(self) -> Path:
        """Where `trends serve` keeps Prefect's own files: beside the warehouse."""
        return self.warehouse.path.parent / "prefect"

    def require_sources(self, command: str) -> None:
        """A ConfigError when there is no source for `command` to work on."""
        if not self.sources:
            raise self._missing("sources", f"`{command}` has nothing to fetch",
                                "add a [[sources]] table (see `trends init`)")

    def require_clients(self, command: str) -> None:
        """A ConfigError when there is no client for `command` to work for."""
        if not self.clients:
            raise self._missing("clients", f"`{command}` has nobody to send to",
                                "add a [[clients]] table with an id and keywords")

    def _missing(self, table: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(f"no [[{table}]]: {problem}", file=str(self.file), key=table,
                           fix=fix)

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        names = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"no source named {name!r}", file=str(self.file), key="--source",
                          fix=f"use one of: {names}")

    def client(self, client_id: str) -> ClientConfig:
        for c in self.clients:
            if c.id == client_id:
                return c
        ids = ", ".join(c.id for c in self.clients) or "none configured"
        raise ConfigError(f"no client with id {client_id!r}", file=str(self.file), key="--client",
                          fix=f"use one of: {ids}")


@dataclass(frozen=True, slots=True)
class Env:
    """Settings that come from the environment only (secrets and endpoints). Nothing else in
    the project reads the environment."""

    slack_token: str | None = None             # SLACK_BOT_TOKEN: absent, digests are printed
    slack_base_url: str | None = None          # SLACK_API_BASE_URL: a Slack-compatible gateway
    # PREFECT_API_URL: a Prefect server to run flows on. Without one, one-off commands run the
    # stage jobs in this process (trends.runs) and never start Prefect's temporary server.
    prefect_api_url: str | None = None
    dask_address: str | None = None            # TRENDS_DASK_ADDRESS: fetch on that cluster
    llm_base_url: str | None = None            # TRENDS_LLM_BASE_URL, e.g. http://127.0.0.1:8000/v1
    llm_model: str | None = None               # TRENDS_LLM_MODEL
    llm_api_key: str | None = None             # TRENDS_LLM_API_KEY, sent as a bearer token

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Env:
        e = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return (e.get(name) or "").strip() or None

        return cls(slack_token=get("SLACK_BOT_TOKEN"), slack_base_url=get("SLACK_API_BASE_URL"),
                   prefect_api_url=get("PREFECT_API_URL"), dask_address=get("TRENDS_DASK_ADDRESS"),
                   llm_base_url=get("TRENDS_LLM_BASE_URL"), llm_model=get("TRENDS_LLM_MODEL"),
                   llm_api_key=get("TRENDS_LLM_API_KEY"))
