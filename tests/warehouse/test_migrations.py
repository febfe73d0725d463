"""Migrations that rewrite stored data keep it: a warehouse written before them reads the same
after them, and the pipeline goes on writing it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from trends.models import CandidateColumns
from warehouse import understand as sql
from warehouse.db import READABLE_STORAGE, migrate, migrations, open_warehouse, storage_number

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
        assert con.execute("SELECT id, key FROM candidates ORDER BY id").fetchall() == [
            (1, "harga emas"), (2, "timnas indonesia"), (3, "#harbolnas1212")]
        # Under the names of 0014: mentions by key are candidate_mentions, the timeline
        # candidate_timeline.
        assert sorted(con.execute("SELECT * FROM candidate_mentions").fetchall()) == sorted(
            mentions)
        assert con.execute("SELECT * FROM candidate_timeline ORDER BY ALL").fetchall() == timeline

    with open_warehouse(path) as con:
        # The next batch: one known topic widens its times, a new one takes the next id.
        con.execute("""INSERT INTO items (key, source, url, title, summary, language,
                                          fetched_at, event_at)
                       VALUES ('j1', 'Warta', 'https://x.example/j1', 'judul', '', 'id', ?, ?)""",
                    [T0 + 9 * HOUR, T0 + 9 * HOUR])
        sql.save_mentions(con, [("j1", "Warta", T0 + 9 * HOUR)], CandidateColumns(
            [2], ["timnas indonesia", "kopi susu"], ["Timnas Indonesia", "Kopi Susu"],
            ["name", "phrase"]))
        assert con.execute("SELECT id, key, label, last_seen_at FROM candidates ORDER BY id"
                           ).fetchall()[1:] == [
            (2, "timnas indonesia", "TIMNAS INDONESIA", T0 + 9 * HOUR),
            (3, "#harbolnas1212", "#HARBOLNAS1212", T0 + 3 * HOUR),
            (4, "kopi susu", "Kopi Susu", T0 + 9 * HOUR)]
        assert con.execute("""SELECT candidate_key FROM candidate_mentions WHERE item_key = 'j1'
                              ORDER BY ALL""").fetchall() == [("kopi susu",),
                                                              ("timnas indonesia",)]


def test_topics_for_analysts_keep_every_run_and_group_its_topics(tmp_path: Path) -> None:
    """0014: the candidates' tables take their names, and each run scored before it gets its
    topics (the candidates that were clustered, one row per topic) in topic_signals."""
    path = tmp_path / "old.duckdb"
    day1, day2 = T0, T0 + 24 * HOUR

    def signal(as_of: datetime, key: str, trend: float, story: str | None) -> tuple[object, ...]:
        return (as_of, key, key.title(), 5, 1.0, 3.0, 2, 0.0, 0.9, T0, "rising", trend,
                "phrase", 1, True, 2.5, None, "rising: post today", story,
                story.title() if story else None)

    with duckdb.connect(str(path)) as con:
        migrate(con, before=14)
        con.executemany("INSERT INTO scoring_runs VALUES (?, ?, ?)",
                        [(day2, day2, 3), (day1, day2 + HOUR, 3)])   # day 1 re-scored last
        con.executemany(f"INSERT INTO topic_signals VALUES ({', '.join('?' * 20)})", [
            signal(day1, "timnas indonesia", 1.0, "timnas indonesia"),
            signal(day1, "timnas", 0.8, "timnas indonesia"),
            signal(day1, "harga emas", 0.5, None),
            signal(day2, "harga emas antam", 1.0, "harga emas antam"),
            signal(day2, "emas antam", 0.9, "harga emas antam"),
            signal(day2, "kopi", 0.2, None)])

    with open_warehouse(path) as con:
        assert con.execute("SELECT count(*) FROM candidate_signals").fetchone() == (6,)
        assert con.execute("""SELECT as_of, rank, topic_key, label, candidates, candidate_labels
                              FROM topic_signals ORDER BY as_of, rank""").fetchall() == [
            (day1, 1, "timnas indonesia", "Timnas Indonesia", 2, ["Timnas Indonesia", "Timnas"]),
            (day2, 1, "harga emas antam", "Harga Emas Antam", 2,
             ["Harga Emas Antam", "Emas Antam"])]
        # The run that finished last is day 1's, re-scored after day 2's.
        assert con.execute("SELECT as_of, label FROM trending_now").fetchall() == [
            (day1, "Timnas Indonesia")]
        assert con.execute("""SELECT candidate_key, topic_key FROM candidate_signals
                              WHERE as_of = ? ORDER BY ALL""", [day1]).fetchall() == [
            ("harga emas", None), ("timnas", "timnas indonesia"),
            ("timnas indonesia", "timnas indonesia")]


def test_a_warehouse_in_duckdb_2s_format_is_rewritten_once_keeping_everything(
        tmp_path: Path) -> None:
    path = tmp_path / "older.duckdb"
    con = duckdb.connect(str(path))             # DuckDB 2's own format, as releases wrote it
    migrate(con, before=13)
    con.execute("INSERT INTO fetch_log (run_id, source, url, started_at, duration_ms, attempts,"
                " outcome) VALUES ('r1', 'A', 'http://a', TIMESTAMPTZ '2026-11-20 08:00+00',"
                " 5, 1, 'ok')")
    con.execute("INSERT INTO digests (client_id, digest_date, channel, status, text, messages,"
                " created_at) VALUES ('kopi', DATE '2026-11-20', '#kopi', 'sent', 'x', '[]',"
                " TIMESTAMPTZ '2026-11-20 01:00+00')")
    con.execute("INSERT INTO feedback VALUES ('kopi', '#kopi', '1.2', 'kopi', 'Kopi', '+1',"
                " 'liked', 'U1', 'digest', DATE '2026-11-20', TIMESTAMPTZ '2026-11-20 02:00+00')")
    con.close()
    assert storage_number(path) not in (None, READABLE_STORAGE)
    with open_warehouse(path) as con:
        assert storage_number(path) == READABLE_STORAGE
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (
                max(v for v, _, _ in migrations()),)
        assert con.execute("SELECT id FROM fetch_log").fetchall() == [(1,)]
        con.execute("INSERT INTO fetch_log (run_id, source, url, started_at, duration_ms,"
                    " attempts, outcome) VALUES ('r2', 'A', 'http://a', now(), 5, 1, 'ok')")
        # the sequence went on where it was
        assert con.execute("SELECT max(id) FROM fetch_log").fetchone() == (2,)
        # one name for the local day, the old names kept
        assert con.execute("SELECT digest_date = local_date FROM digests").fetchone() == (True,)
        assert con.execute("SELECT day, local_date FROM feedback").fetchone() == (
            date(2026, 11, 20), date(2026, 11, 20))
    before = path.stat().st_mtime_ns
    with open_warehouse(path, read_only=True):
        pass
    assert path.stat().st_mtime_ns == before and storage_number(path) == READABLE_STORAGE


def test_local_date_follows_the_old_column_on_every_write(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "w.duckdb") as con:
        con.execute("INSERT INTO ideas (client_id, digest_date, rank, topic_key, topic_label,"
                    " language, angle, platform, hook, caption, hashtags, urgency, why, stories,"
                    " as_of) VALUES ('kopi', DATE '2026-11-21', 1, 'k', 'K', 'id', 'question',"
                    " 'x', 'h', 'c', [], 'u', 'w', '[]', now())")
        con.execute("UPDATE ideas SET digest_date = DATE '2026-11-22'")
        assert con.execute("SELECT local_date FROM ideas").fetchone() == (date(2026, 11, 22),)
        tables = {t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_columns() WHERE column_name = 'local_date'"
        ).fetchall()}
        assert tables == {"ideas", "digests", "alerts", "feedback"}
