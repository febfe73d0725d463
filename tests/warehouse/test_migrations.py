"""Migrations that rewrite stored data keep it: a warehouse written before them reads the same
after them, and the pipeline goes on writing it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from trends.models import CandidateColumns
from warehouse import understand as sql
from warehouse.db import migrate, migrations, open_warehouse

T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_topic_ids_keep_every_mention_and_new_topics_number_on(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    mentions = [("harga emas", f"i{i}", "Warta", T0 + i * HOUR) for i in range(5)]
    mentions += [("timnas indonesia", f"i{i}", "Kabar", T0 + i * HOUR) for i in range(2, 8)]
    mentions += [("#harbolnas1212", "i3", "Tren", T0 + 3 * HOUR)]
    with duckdb.connect(str(path)) as con:
        migrate(con, before=10)      # as the release before migration 0010 left it
        con.executemany("INSERT INTO mentions VALUES (?, ?, ?, ?)", mentions)
        con.execute("""INSERT INTO topics SELECT topic_key, upper(topic_key), 'phrase',
                              min(event_at), max(event_at)
                       FROM mentions GROUP BY topic_key""")
        timeline = con.execute("SELECT * FROM topic_timeline ORDER BY ALL").fetchall()

    with duckdb.connect(str(path)) as con:
        assert migrate(con) == [name for v, name, _ in migrations() if v >= 10]
        # Numbered in order of first mention; every mention kept, in the same view.
        assert con.execute("SELECT id, key FROM topics ORDER BY id").fetchall() == [
            (1, "harga emas"), (2, "timnas indonesia"), (3, "#harbolnas1212")]
        assert sorted(con.execute("SELECT * FROM mentions").fetchall()) == sorted(mentions)
        assert con.execute("SELECT * FROM topic_timeline ORDER BY ALL").fetchall() == timeline

    with open_warehouse(path) as con:
        # The next batch: one known topic widens its times, a new one takes the next id.
        con.execute("""INSERT INTO items (key, source, url, title, summary, language,
                                          fetched_at, event_at)
                       VALUES ('j1', 'Warta', 'https://x.example/j1', 'judul', '', 'id', ?, ?)""",
                    [T0 + 9 * HOUR, T0 + 9 * HOUR])
        sql.save_mentions(con, [("j1", "Warta", T0 + 9 * HOUR)], CandidateColumns(
            [2], ["timnas indonesia", "kopi susu"], ["Timnas Indonesia", "Kopi Susu"],
            ["name", "phrase"]))
        assert con.execute("SELECT id, key, label, last_seen_at FROM topics ORDER BY id"
                           ).fetchall()[1:] == [
            (2, "timnas indonesia", "TIMNAS INDONESIA", T0 + 9 * HOUR),
            (3, "#harbolnas1212", "#HARBOLNAS1212", T0 + 3 * HOUR),
            (4, "kopi susu", "Kopi Susu", T0 + 9 * HOUR)]
        assert con.execute("""SELECT topic_key FROM mentions WHERE item_key = 'j1'
                              ORDER BY ALL""").fetchall() == [("kopi susu",),
                                                              ("timnas indonesia",)]
