"""Config loading: valid files become typed objects; every mistake is one line with file,
key and fix, and exit code 2."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from trends.cli import main
from trends.config import load_config
from trends.errors import ConfigError

VALID = """
[warehouse]
path = "wh/trends.duckdb"

[[sources]]
name = "Google Trends ID"
kind = "google_trends"
url = "https://trends.google.com/trending/rss?geo=ID"
language = "id"
every = "30m"

[[sources]]
name = "detik"
kind = "rss"
url = "https://rss.detik.com/index.php/detikcom"

[[clients]]
id = "kopi-nusantara"
name = "Kopi Nusantara"
languages = ["id"]
keywords = ["kopi", "ngopi"]
exclude = ["banjir"]
channel = "#kopi"
timezone = "Asia/Jakarta"
digest_time = "08:00"
tone = "soft_sell"

[[clients]]
id = "layar-emas"
languages = ["id", "en"]
keywords = ["nonton"]
timezone = "Asia/Hong_Kong"
digest_time = "9:30"
"""


def test_valid_config_loads_into_typed_objects(write_config) -> None:
    path = write_config(VALID)
    c = load_config(path)
    assert c.warehouse.path == path.parent / "wh" / "trends.duckdb"
    assert [s.name for s in c.sources] == ["Google Trends ID", "detik"]
    assert c.sources[0].every == timedelta(minutes=30)
    assert c.sources[1].every == timedelta(minutes=15)
    kopi, layar = c.clients
    assert kopi.languages == ("id",) and kopi.exclude == ("banjir",)
    assert layar.languages == ("id", "en") and layar.digest_time == time(9, 30)
    assert layar.tone == "mixed" and layar.name == "layar-emas" and layar.channel == "#layar-emas"
    assert str(layar.tz) == "Asia/Hong_Kong"


def test_trends_config_env_is_used(write_config, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(VALID, name="elsewhere.toml")
    monkeypatch.setenv("TRENDS_CONFIG", str(path))
    assert load_config(None).file == path


@pytest.mark.parametrize(("old", "new", "key", "fix"), [
    ('tone = "soft_sell"', 'tone = "soft_sell"\ncolour = "red"', "clients[0].colour",
     "remove it or use one of"),
    ('name = "detik"\n', '', "sources[1].name", 'add name = "..."'),
    ('url = "https://rss.detik.com/index.php/detikcom"', 'url = "rss.detik.com/feed"',
     "sources[1].url", "write a full URL"),
    ('id = "layar-emas"', 'id = "kopi-nusantara"', "clients[1].id", "give every entry"),
    ('kind = "rss"', 'kind = "rsss"', "sources[1].kind", "use one of: rss, google_trends"),
    ('timezone = "Asia/Hong_Kong"', 'timezone = "Asia/Hongkong_City"', "clients[1].timezone",
     "IANA name"),
    ('digest_time = "9:30"', 'digest_time = "25:00"', "clients[1].digest_time", "HH:MM"),
    ('digest_time = "9:30"', 'digest_time = "morning"', "clients[1].digest_time", "HH:MM"),
    ('every = "30m"', 'every = "often"', "sources[0].every", '"15m"'),
    ('languages = ["id", "en"]', 'languages = ["id", "jp"]', "clients[1].languages", "id, en"),
    ('keywords = ["nonton"]\n', '', "clients[1].keywords", "add keywords"),
    # a string where a list belongs used to become one keyword that never matched
    ('keywords = ["kopi", "ngopi"]', 'keywords = "kopi, ngopi"', "clients[0].keywords",
     'write keywords = ["kopi", "ngopi"]'),
    ('exclude = ["banjir"]', 'exclude = "banjir, korban"', "clients[0].exclude",
     'write exclude = ["banjir", "korban"]'),
    ('languages = ["id", "en"]', 'languages = "id"', "clients[1].languages",
     'write languages = ["id"]'),
    ('channel = "#kopi"', 'channel = "#kopi nusantara"', "clients[0].channel",
     '"#kopi-nusantara"'),
    ('channel = "#kopi"', 'channel = "Kopi Nusantara"', "clients[0].channel",
     "lowercase letters"),
])
def test_every_mistake_is_one_line_with_file_key_and_fix(
        write_config, capsys: pytest.CaptureFixture[str], old: str, new: str, key: str,
        fix: str) -> None:
    assert old in VALID
    path = write_config(VALID.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == key
    code = main(["--config", str(path), "status"])
    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr.count("\n") == 1, stderr           # one line, no traceback
    assert str(path) in stderr and key in stderr and fix in stderr
    assert "Traceback" not in stderr


def test_missing_file_says_how_to_create_one(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--config", str(tmp_path / "nope.toml"), "ingest"])
    err = capsys.readouterr().err
    assert code == 2 and "file not found" in err and "trends init" in err


def test_bad_toml_names_the_problem(write_config, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config('[[sources]\nname = "x"\n')
    assert main(["--config", str(path), "status"]) == 2
    err = capsys.readouterr().err
    assert "not valid TOML" in err and str(path) in err and err.count("\n") == 1


def test_an_empty_config_is_an_error(write_config, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config("")
    assert main(["--config", str(path), "status"]) == 2
    err = capsys.readouterr().err
    assert "the file is empty" in err and "trends init" in err and err.count("\n") == 1


def test_no_sources_or_no_clients_is_said_and_the_job_that_needs_them_exits_2(
        write_config, capsys: pytest.CaptureFixture[str]) -> None:
    clients_only = VALID[VALID.index("[[clients]]"):]
    sources_only = VALID[:VALID.index("[[clients]]")]
    path = write_config(clients_only, name="no-sources.toml")
    assert main(["--config", str(path), "ingest"]) == 2
    err = capsys.readouterr().err
    assert "no [[sources]]" in err and "`ingest` has nothing to fetch" in err
    path = write_config(sources_only, name="no-clients.toml")
    assert main(["--config", str(path), "digest"]) == 2
    err = capsys.readouterr().err
    assert "warning: " in err and "no [[clients]]" in err and "nobody to send to" in err
    # valid, so commands that do not need them run; the warning is still said
    assert load_config(path).warnings and not load_config(write_config(VALID)).warnings
