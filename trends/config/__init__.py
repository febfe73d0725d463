"""trends.toml and the environment: typed settings (`settings`) and how a file becomes them
(`load`), with precise one-line errors. Import from here: `from trends.config import Config`."""

from trends.config.load import load_config, parse_config, parse_every, resolve_path
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
    Env,
    Keyword,
    SignalSettings,
    SourceConfig,
    WarehouseConfig,
)

__all__ = ["DEFAULT_EVERY", "DEFAULT_LEAD_DAYS", "LANGUAGES", "POLICIES", "SOURCE_KINDS", "TONES",
           "AlertSettings",
           "ClientConfig", "ClientDate", "Config", "Env", "Keyword", "SignalSettings",
           "SourceConfig", "WarehouseConfig", "load_config", "parse_config", "parse_every",
           "resolve_path"]
