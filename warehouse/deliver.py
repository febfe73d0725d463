"""SQL of the deliver stage: the digest outbox (one row per client and local day, with its
chart's own state, and one `digest_messages` row per Slack message: the header and each
idea's reply), the alert outbox, the team's reactions (`feedback`), and the daily counts the
charts draw."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

__all__ = ["AlertRow", "DigestPart", "DigestRow", "add_alert", "alert", "alerts_on",
           "daily_mentions", "digest", "digest_parts", "digest_topics", "feedback_summary",
           "idea_messages", "mark_alert_attempt", "mark_alert_failed", "mark_alert_sent",
           "mark_chart_attempt", "mark_chart_sent", "mark_digest_attempt", "mark_digest_failed",
           "mark_digest_sent", "mark_part_posted", "one_message_digests", "owed_charts",
           "put_digest", "recently_alerted", "replace_reactions", "sent_alerts_since",
           "spiking_topics", "top_topics", "unsent_alerts", "unsent_digests", "verdicts"]


# The digest outbox


@dataclass(slots=True)
class DigestRow:
    client_id: str
    digest_date: date
    channel: str
    status: str            # pending | sent | failed | printed
    text: str
    messages: list[list[dict[str, Any]]]
    ts: str | None
    attempts: int
    attempted_at: datetime | None = None   # when the last attempt to post started
    chart_status: str | None = None        # None (no chart asked) | pending | sent
    chart_attempted_at: datetime | None = None   # when the last chart upload started
    last_error: str | None = None          # why the last attempt failed


def digest(con: duckdb.DuckDBPyConnection, client_id: str, day: date) -> DigestRow | None:
    row = con.execute("""SELECT client_id, digest_date, channel, status, text, messages, ts,
                                attempts, attempted_at, chart_status, chart_attempted_at,
                                last_error
                         FROM digests WHERE client_id = ? AND digest_date = ?""",
                      [client_id, day]).fetchone()
    if row is None:
        return None
    return DigestRow(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6], row[7],
                     row[8], row[9], row[10], row[11])


def mark_digest_attempt(con: duckdb.DuckDBPyConnection, client_id: str, day: date,
                 now: datetime) -> None:
    """Record, before Slack is called, that an attempt starts: if the process dies before
    `mark_sent`, the next run knows the message may be in the channel and looks it up."""
    con.execute("UPDATE digests SET attempted_at = ? WHERE client_id = ? AND digest_date = ?",
                [now, client_id, day])


@dataclass(slots=True)
class DigestPart:
    """One Slack message of a digest (`digest_messages`): the header (part 1, no topic) or
    the reply that carries one topic's idea."""

    part: int
    topic_key: str | None
    label: str | None
    rank: int | None
    languages: list[str]
    text: str
    ts: str | None = None


def put_digest(con: duckdb.DuckDBPyConnection, client_id: str, day: date, channel: str, text: str,
        messages: list[list[dict[str, Any]]], status: str, now: datetime, *,
        chart: bool = False, parts: Sequence[DigestPart] = ()) -> bool:
    """Write the day's digest and its messages (`parts`, one per message) unless an attempt
    to send it has started: what may be in Slack is what the outbox keeps. A digest only
    printed is replaced by the newest rendering. `chart`: a chart is owed once it is sent.
    True when written."""
    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute("""SELECT status, attempted_at FROM digests
                             WHERE client_id = ? AND digest_date = ?""",
                          [client_id, day]).fetchone()
        if row is not None and (row[0] in ("sent", "pending") or row[1] is not None):
            con.execute("COMMIT")
            return False
        con.execute("""
            INSERT OR REPLACE INTO digests (client_id, digest_date, channel, status, text,
                                            messages, created_at, chart_status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [client_id, day, channel, status, text, json.dumps(messages, ensure_ascii=False),
             now, "pending" if chart else None])
        con.execute("DELETE FROM digest_messages WHERE client_id = ? AND digest_date = ?",
                    [client_id, day])
        for p in parts:
            con.execute("""
                INSERT INTO digest_messages (client_id, digest_date, part, topic_key, label,
                                             rank, languages, text)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [client_id, day, p.part, p.topic_key, p.label, p.rank, p.languages, p.text])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def digest_parts(con: duckdb.DuckDBPyConnection, client_id: str, day: date) -> list[DigestPart]:
    """The messages of a digest in order (none for digests written before migration 0016)."""
    rows = con.execute("""SELECT part, topic_key, label, rank, languages, text, ts
                          FROM digest_messages WHERE client_id = ? AND digest_date = ?
                          ORDER BY part""", [client_id, day]).fetchall()
    return [DigestPart(r[0], r[1], r[2], r[3], list(r[4]), r[5], r[6]) for r in rows]


def mark_part_posted(con: duckdb.DuckDBPyConnection, client_id: str, day: date, part: int,
                     ts: str, posted_at: datetime) -> None:
    """Record that Slack took message `part` of the digest (the header's ts is the digest's)."""
    con.execute("""UPDATE digest_messages SET ts = ?, posted_at = ?
                   WHERE client_id = ? AND digest_date = ? AND part = ?""",
                [ts, posted_at, client_id, day, part])
    if part == 1:
        con.execute("UPDATE digests SET ts = ? WHERE client_id = ? AND digest_date = ?",
                    [ts, client_id, day])


def owed_charts(con: duckdb.DuckDBPyConnection, since: date) -> list[tuple[str, date]]:
    """Sent digests from `since` on whose chart is not in their thread yet."""
    return [(r[0], r[1]) for r in con.execute(
        """SELECT client_id, digest_date FROM digests
           WHERE status = 'sent' AND chart_status = 'pending' AND digest_date >= ?
           ORDER BY digest_date, client_id""", [since]).fetchall()]


def mark_chart_attempt(con: duckdb.DuckDBPyConnection, client_id: str, day: date,
                       now: datetime) -> None:
    """Before the upload: if the process dies after Slack took the file, the next run looks
    for it in the thread instead of uploading it twice."""
    con.execute("""UPDATE digests SET chart_attempted_at = ?
                   WHERE client_id = ? AND digest_date = ?""", [now, client_id, day])


def mark_chart_sent(con: duckdb.DuckDBPyConnection, client_id: str, day: date,
                    file_id: str | None) -> None:
    con.execute("""UPDATE digests SET chart_status = 'sent', chart_file = ?
                   WHERE client_id = ? AND digest_date = ?""", [file_id, client_id, day])


def mark_digest_sent(con: duckdb.DuckDBPyConnection, client_id: str, day: date, ts: str,
              sent_at: datetime) -> None:
    con.execute("""UPDATE digests SET status = 'sent', ts = ?, sent_at = ?, attempts = attempts + 1,
                   last_error = NULL WHERE client_id = ? AND digest_date = ?""",
                [ts, sent_at, client_id, day])


def mark_digest_failed(con: duckdb.DuckDBPyConnection, client_id: str, day: date,
                       error: str) -> None:
    con.execute("""UPDATE digests SET status = 'failed', attempts = attempts + 1, last_error = ?
                   WHERE client_id = ? AND digest_date = ?""", [error[:500], client_id, day])


def unsent_digests(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date]]:
    """Digests that are pending or failed: to be sent on the next run instead of being lost."""
    return [(r[0], r[1]) for r in con.execute(
        """SELECT client_id, digest_date FROM digests WHERE status IN ('pending', 'failed')
           ORDER BY digest_date, client_id""").fetchall()]


# The alert outbox


@dataclass(slots=True)
class AlertRow:
    id: str
    client_id: str
    topic_key: str
    label: str
    local_date: date
    channel: str
    status: str            # pending | sent | failed | printed
    text: str
    blocks: list[dict[str, Any]]
    ts: str | None
    attempted_at: datetime | None


_ALERT_COLS = "id, client_id, topic_key, label, local_date, channel, status, text, blocks, ts, " \
        "attempted_at"


def _alert_row(r: tuple[Any, ...]) -> AlertRow:
    return AlertRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]), r[9], r[10])


def alert(con: duckdb.DuckDBPyConnection, alert_id: str) -> AlertRow | None:
    r = con.execute(f"SELECT {_ALERT_COLS} FROM alerts WHERE id = ?", [alert_id]).fetchone()
    return _alert_row(r) if r else None


def spiking_topics(con: duckdb.DuckDBPyConnection, client_id: str, *, velocity: float,
            min_mentions: int) -> list[dict[str, Any]]:
    """Topics of the client's latest scoring run that spike and may be shown to it.

    A topic spikes when its signal says so (topic_signals.spike, migration 0014) or, where
    the run stored no topics (runs before 0014 stored none), when it is new or rising at
    `velocity` times its usual rate. Never a topic the client must avoid: excluded_by set, or
    a score of 0.
    """
    cur = con.execute("""
        WITH latest AS (
            SELECT max(as_of) AS as_of FROM client_topic_scores WHERE client_id = $client
        )
        SELECT c.topic_key, c.label, c.score, c.velocity, c.mentions, c.breadth, c.state,
               c.reason, c.matched, c.as_of, coalesce(s.spike, false) AS spike
        FROM client_topic_scores c JOIN latest USING (as_of)
        LEFT JOIN topic_signals s ON s.as_of = c.as_of AND s.topic_key = c.topic_key
        WHERE c.client_id = $client AND c.excluded_by IS NULL AND c.score > 0
          AND c.relevance > 0 AND c.mentions >= $min_mentions
          AND (coalesce(s.spike, false)
               OR (s.spike IS NULL AND c.state IN ('new', 'rising') AND c.velocity >= $velocity))
        ORDER BY c.score DESC, c.topic_key""",
        {"client": client_id, "velocity": velocity, "min_mentions": min_mentions})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def recently_alerted(con: duckdb.DuckDBPyConnection, client_id: str, since: datetime) -> set[str]:
    """Topics alerted to the client since `since` (the cooldown), whatever their status."""
    return {r[0] for r in con.execute(
        "SELECT topic_key FROM alerts WHERE client_id = ? AND created_at > ? "
        "AND status <> 'printed'", [client_id, since]).fetchall()}


def alerts_on(con: duckdb.DuckDBPyConnection, client_id: str, day: date) -> int:
    """Alerts of the client on its local `day` (the daily cap), whatever their status."""
    row = con.execute("SELECT count(*) FROM alerts WHERE client_id = ? AND local_date = ? "
                      "AND status <> 'printed'", [client_id, day]).fetchone()
    return int(row[0]) if row else 0


def add_alert(con: duckdb.DuckDBPyConnection, *, alert_id: str, client_id: str, topic_key: str,
        label: str, day: date, channel: str, status: str, text: str,
        blocks: list[dict[str, Any]], velocity: float, score: float, now: datetime) -> None:
    con.execute("""
        INSERT INTO alerts (id, client_id, topic_key, label, local_date, channel, status, text,
                            blocks, velocity, score, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING""",
        [alert_id, client_id, topic_key, label, day, channel, status, text,
         json.dumps(blocks, ensure_ascii=False), velocity, score, now])


def unsent_alerts(con: duckdb.DuckDBPyConnection, client_id: str | None = None) -> list[AlertRow]:
    """Alerts still owed to Slack (pending or failed), oldest first."""
    rows = con.execute(f"""SELECT {_ALERT_COLS} FROM alerts WHERE status IN ('pending', 'failed')
                           AND (? IS NULL OR client_id = ?) ORDER BY created_at, id""",
                       [client_id, client_id]).fetchall()
    return [_alert_row(r) for r in rows]


def mark_alert_attempt(con: duckdb.DuckDBPyConnection, alert_id: str, now: datetime) -> None:
    con.execute("UPDATE alerts SET attempted_at = ? WHERE id = ?", [now, alert_id])


def mark_alert_sent(con: duckdb.DuckDBPyConnection, alert_id: str, ts: str,
              sent_at: datetime) -> None:
    con.execute("""UPDATE alerts SET status = 'sent', ts = ?, sent_at = ?, attempts = attempts + 1,
                   last_error = NULL WHERE id = ?""", [ts, sent_at, alert_id])


def mark_alert_failed(con: duckdb.DuckDBPyConnection, alert_id: str, error: str) -> None:
    con.execute("""UPDATE alerts SET status = 'failed', attempts = attempts + 1, last_error = ?
                   WHERE id = ?""", [error[:500], alert_id])


def sent_alerts_since(con: duckdb.DuckDBPyConnection,
                      since: datetime) -> list[tuple[str, str, str, str, str, date]]:
    """(client_id, channel, ts, topic_key, label, local_date) of alerts sent since `since`."""
    return [tuple(r) for r in con.execute(
        """SELECT client_id, channel, ts, topic_key, label, local_date FROM alerts
           WHERE status = 'sent' AND ts IS NOT NULL AND created_at > ?
           ORDER BY created_at""", [since]).fetchall()]


# Reactions


def idea_messages(con: duckdb.DuckDBPyConnection,
                  since: date) -> list[tuple[str, str, str, date, str, str]]:
    """(client_id, channel, ts, digest_date, topic_key, label) of every idea's message in
    Slack from digests since `since`: a reaction there is about that topic alone."""
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in con.execute(
        """SELECT m.client_id, d.channel, m.ts, m.digest_date, m.topic_key, m.label
           FROM digest_messages m JOIN digests d USING (client_id, digest_date)
           WHERE m.topic_key IS NOT NULL AND m.ts IS NOT NULL AND m.digest_date >= ?
           ORDER BY m.digest_date, m.client_id, m.part""", [since]).fetchall()]


def one_message_digests(con: duckdb.DuckDBPyConnection,
                        since: date) -> list[tuple[str, str, str, date]]:
    """(client_id, channel, ts, digest_date) of digests in Slack since `since` that showed all
    their topics in one message (sent before migration 0016, with no `digest_messages`)."""
    return [(r[0], r[1], r[2], r[3]) for r in con.execute(
        """SELECT client_id, channel, ts, digest_date FROM digests d
           WHERE status = 'sent' AND ts IS NOT NULL AND digest_date >= ?
             AND NOT EXISTS (SELECT 1 FROM digest_messages m
                             WHERE m.client_id = d.client_id AND m.digest_date = d.digest_date)
           ORDER BY digest_date, client_id""", [since]).fetchall()]


def digest_topics(con: duckdb.DuckDBPyConnection, client_id: str,
                  day: date) -> list[tuple[str, str]]:
    """(topic_key, label) of the topics a client's digest of `day` showed, best first."""
    return [(r[0], r[1]) for r in con.execute(
        """SELECT topic_key, any_value(topic_label) FROM ideas
           WHERE client_id = ? AND digest_date = ? GROUP BY topic_key
           ORDER BY min(rank), topic_key""", [client_id, day]).fetchall()]


def replace_reactions(con: duckdb.DuckDBPyConnection, *, client_id: str, channel: str, ts: str,
                    kind: str, day: date, rows: Sequence[tuple[str, str, str, str, str]],
                    now: datetime) -> None:
    """Store the reactions now on one message, (topic_key, label, reaction, verdict, user)
    each, replacing what was read before: a removed reaction stops counting."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM feedback WHERE client_id = ? AND message_ts = ?",
                    [client_id, ts])
        for topic_key, label, reaction, verdict, user in rows:
            con.execute("""
                INSERT INTO feedback (client_id, channel, message_ts, topic_key, label, reaction,
                                      verdict, user_id, kind, day, seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                [client_id, channel, ts, topic_key, label, reaction, verdict, user, kind, day,
                 now])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def verdicts(con: duckdb.DuckDBPyConnection, client_id: str,
             since: date) -> list[tuple[str, str, int]]:
    """(topic_key, verdict, people) of the client's feedback since `since`."""
    return [(r[0], r[1], int(r[2])) for r in con.execute(
        """SELECT topic_key, verdict, count(DISTINCT user_id) FROM feedback
           WHERE client_id = ? AND day >= ? GROUP BY ALL ORDER BY ALL""",
        [client_id, since]).fetchall()]


def feedback_summary(con: duckdb.DuckDBPyConnection, since: date,
            until: date) -> list[dict[str, Any]]:
    """Per client and topic in [since, until]: label and how many people liked, rejected or
    used it; used first."""
    cur = con.execute("""
        SELECT client_id, topic_key, any_value(label) AS label,
               count(DISTINCT user_id) FILTER (WHERE verdict = 'used') AS used,
               count(DISTINCT user_id) FILTER (WHERE verdict = 'liked') AS liked,
               count(DISTINCT user_id) FILTER (WHERE verdict = 'rejected') AS rejected,
               min(day) AS first_day
        FROM feedback WHERE day BETWEEN ? AND ?
        GROUP BY client_id, topic_key
        ORDER BY client_id, used DESC, liked DESC, rejected, topic_key""", [since, until])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


# What the charts draw


def daily_mentions(con: duckdb.DuckDBPyConnection, keys: Sequence[str], timezone: str,
                   last_day: date, days: int) -> dict[str, list[int]]:
    """For each topic key, its mentions on each of the `days` local days ending at `last_day`
    (in `timezone`), oldest first; zeros where it had none."""
    first_day = last_day - timedelta(days=days - 1)
    out = {k: [0] * days for k in keys}
    if not keys:
        return out
    rows = con.execute("""
        SELECT t.key, CAST(timezone($tz, m.event_at) AS DATE) AS day, count(*) AS n
        FROM candidates t JOIN mentions m ON m.candidate_id = t.id
        WHERE t.key IN (SELECT unnest($keys))
          AND m.event_at >= $since AND m.event_at < $until
        GROUP BY ALL""",
        {"tz": timezone, "keys": list(keys),
         # A day either side of the range in UTC, then trimmed to local days below.
         "since": datetime.combine(first_day - timedelta(days=1), datetime.min.time()),
         "until": datetime.combine(last_day + timedelta(days=2), datetime.min.time())}).fetchall()
    for key, day, n in rows:
        i = (day - first_day).days
        if 0 <= i < days:
            out[key][i] = int(n)
    return out


def top_topics(con: duckdb.DuckDBPyConnection, client_id: str,
               limit: int) -> list[dict[str, Any]]:
    """The client's best-scored topics at the latest scoring run (never excluded ones)."""
    cur = con.execute("""
        SELECT topic_key, label, score, trend, relevance, velocity, breadth, mentions, state,
               reason
        FROM client_topic_scores
        WHERE client_id = ? AND excluded_by IS NULL AND score > 0
          AND as_of = (SELECT max(as_of) FROM client_topic_scores WHERE client_id = ?)
        ORDER BY score DESC, topic_key LIMIT ?""", [client_id, client_id, limit])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]
