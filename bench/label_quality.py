"""Topic labels an SMO can name, measured on real data (docs/labels.md has the rubric).

Two measures, each on a tuned part and on a part never looked at while tuning:

1. Google Trends: each sample of ../shared/fixtures/real/samples/google_trends_rss/ lists the
   queries people searched, with the headlines Google attached to each. Only the headlines are
   fed (as items of their outlets); the top labels should name the queries. A query counts
   when the headlines can support it (each of its words in at least two of its headlines);
   it is named when one of the top 10 labels has all the query's words and at most five words
   (case, accents, punctuation and "v"/"vs" aside). Tuned: the UK sample; untouched:
   Bangladesh.
2. Hourly headlines: ../shared/fixtures/real/headlines_hourly/ (ten national sites, two
   months) replayed in order, scored at 12:00 Asia/Jakarta every day as `trends score` would,
   and the top 20 of `trending_now` read. Each label was judged by the rubric
   (tests/data/labels/hourly_top20.csv: real, or junk with its reason); the junk share is
   printed per part. Tuned: 30 Oct to 29 Nov 2025; untouched: 30 Nov to 31 Dec.

    python bench/label_quality.py                  # both measures
    python bench/label_quality.py --dump FILE      # also write every day's top 20 (JSON)
    python bench/label_quality.py --show DAY       # print one day's top 20 with verdicts
    python bench/label_quality.py --part tuned     # only the tuned part (while tuning)
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trends.collect.normalize import item_key  # noqa: E402
from trends.collect.sources import get_kind  # noqa: E402
from trends.config import SignalSettings, SourceConfig  # noqa: E402
from trends.models import FeedItem  # noqa: E402
from trends.understand.signals_job import update_trends  # noqa: E402
from warehouse import collect as collect_sql  # noqa: E402
from warehouse import understand as understand_sql  # noqa: E402
from warehouse.db import open_warehouse  # noqa: E402

REAL = ROOT.parent / "shared" / "fixtures" / "real"
HOURLY = REAL / "headlines_hourly"
TRENDS = REAL / "samples" / "google_trends_rss"
LABELS = ROOT / "tests" / "data" / "labels" / "hourly_top20.csv"
JAKARTA = ZoneInfo("Asia/Jakarta")
FIRST_UNTOUCHED = date(2025, 11, 30)
TOP = 20
TRENDS_TOP = 10
TUNED_SAMPLE = "geoGB"


@dataclass(frozen=True, slots=True)
class Row:
    rank: int
    label: str
    state: str
    mentions: int
    breadth: int
    candidates: list[str]
    topic_key: str
    items: frozenset[str]       # the recent items of the candidate that names the row


def hourly_items() -> list[tuple[FeedItem, datetime]]:
    """Every distinct headline of the hourly captures, at the capture that first had it."""
    seen: set[tuple[str, str]] = set()
    out = []
    for path in sorted(HOURLY.glob("*.json")):
        try:
            capture = json.loads(path.read_text(encoding="utf-8"))
            at = datetime.fromisoformat(capture["updated"].replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            continue            # a few captures are not JSON, as they were committed
        for feed in capture.get("feeds") or []:
            source = str(feed.get("source", ""))
            title = " ".join(str(feed.get("title", "")).split())
            if not source or not title or (source, title) in seen:
                continue
            seen.add((source, title))
            key = item_key(url=None, guid=None, source=source, title=title, published=at)
            out.append((FeedItem(key=key, source=source, url=None, title=title, summary="",
                                 published_at=at, language="id"), at))
    return sorted(out, key=lambda pair: pair[1])


def top_now(con, limit: int, as_of: datetime,  # type: ignore[no-untyped-def]
            recent: timedelta) -> list[Row]:
    rows = understand_sql.trending(con, limit)
    items = understand_sql.label_items(con, as_of, recent)
    return [Row(*r, items=frozenset(items.get(r[6], ()))) for r in rows]


def replay_hourly(db: Path, settings: SignalSettings) -> dict[date, list[Row]]:
    items = hourly_items()
    sources = sorted({i.source for i, _ in items})
    days: dict[date, list[Row]] = {}
    with open_warehouse(db) as con:
        collect_sql.sync_sources(con, [SourceConfig(s, "rss", f"https://{s.lower()}/rss", "id")
                                       for s in sources])
        first = items[0][1].astimezone(JAKARTA).date() + timedelta(days=1)
        last = items[-1][1].astimezone(JAKARTA).date()
        day, i = first, 0
        while day <= last:
            as_of = datetime.combine(day, dtime(12), JAKARTA).astimezone(UTC)
            batch = []
            while i < len(items) and items[i][1] <= as_of:
                batch.append(items[i])
                i += 1
            collect_sql.insert_items(con, batch)
            update_trends(con, settings, as_of=as_of)
            days[day] = top_now(con, TOP, as_of, settings.recent)
            day += timedelta(days=1)
    return days


# Google Trends


def fold(text: str) -> str:
    """Lowercase, accents and punctuation away, "v" as "vs": how a label is compared."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = re.findall(r"\w+", text)
    return " ".join("vs" if w in ("v", "versus") else w for w in words)


def trend_cases(path: Path) -> tuple[list[tuple[str, list[str]]], list[tuple[FeedItem, datetime]]]:
    """(query, its headlines) per trend of a sample, and the headlines as items."""
    body = path.read_bytes()
    source = SourceConfig("Google Trends", "google_trends", "https://trends.google.com/x")
    now = datetime(2026, 2, 3, 12, tzinfo=UTC)
    parsed = get_kind("google_trends").parse(body, source=source, content_type="application/xml",
                                            url=source.url, fetched_at=now).items
    cases, items = [], []
    for trend in parsed:
        at = trend.published_at or now
        titles = []
        for n in trend.extra.get("news") or []:
            title, outlet = n.get("title") or "", n.get("source") or "news"
            if not title:
                continue
            titles.append(title)
            key = item_key(url=n.get("url"), guid=None, source=outlet, title=title, published=at)
            items.append((FeedItem(key=key, source=outlet, url=n.get("url"), title=title,
                                   summary=n.get("snippet") or "", published_at=at), at))
        cases.append((trend.title, titles))
    return cases, items


def supportable(query: str, titles: list[str]) -> bool:
    """Each word of the query is in at least two of its headlines."""
    folded = [set(fold(t).split()) for t in titles]
    return all(sum(w in t for t in folded) >= 2 for w in fold(query).split())


def google_trends(workdir: Path, settings: SignalSettings
                  ) -> dict[str, list[tuple[str, bool, bool, list[str]]]]:
    """Per sample: (query, supportable, named, top labels)."""
    out = {}
    for path in sorted(TRENDS.glob("*.xml")):
        cases, items = trend_cases(path)
        db = workdir / f"{path.stem}.duckdb"
        db.unlink(missing_ok=True)
        with open_warehouse(db) as con:
            collect_sql.sync_sources(con, [SourceConfig(s, "rss", f"https://{i}.example/rss")
                                           for i, s in enumerate(sorted({i.source
                                                                         for i, _ in items}))])
            collect_sql.insert_items(con, items)
            as_of = max(at for _, at in items) + timedelta(hours=1)
            update_trends(con, settings, as_of=as_of)
            top = [r.label for r in top_now(con, TRENDS_TOP, as_of, settings.recent)]
        name = re.search(r"geo[A-Z]+", path.name)
        out[name.group(0) if name else path.stem] = [
            (q, supportable(q, titles), named(q, top), top) for q, titles in cases]
    return out


def named(query: str, labels: list[str]) -> bool:
    """One of the labels has all the query's words, in five words or fewer."""
    wanted = set(fold(query).split())
    return any(wanted <= set(words) and len(words) <= 5
               for words in (fold(label).split() for label in labels))


# Judgements


def judgements(path: Path = LABELS) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(day, label) -> (verdict, story tag, reason) from a labelled file (bench/quality_tempo.py
    reads the tempo year's)."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {(r["day"], r["label"]): (r["verdict"], r.get("story") or "", r.get("reason") or "")
                for r in csv.DictReader(f)}


def verdicts(day: date, labels: Sequence[str],
             judged: dict[tuple[str, str], tuple[str, str, str]]) -> list[str | None]:
    """Each label's verdict in its top list: a label of a story already above it is a
    duplicate (judged by the story tags), else its own verdict; None where it was never
    judged."""
    out: list[str | None] = []
    seen: set[str] = set()
    for label in labels:
        verdict = judged.get((day.isoformat(), label))
        if verdict is None:
            out.append(None)
            continue
        tag = verdict[1]
        out.append("duplicate" if tag and tag in seen else verdict[0])
        if tag:
            seen.add(tag)
    return out


def junk_share(days: dict[date, list[Row]], judged: dict[tuple[str, str], tuple[str, str, str]],
               part: str) -> tuple[int, int, int, Counter[str]]:
    """(labels, junk, not judged, junk by reason) over the days of one part."""
    total = junk = unknown = 0
    reasons: Counter[str] = Counter()
    for day, rows in days.items():
        if (day >= FIRST_UNTOUCHED) != (part == "untouched"):
            continue
        for verdict in verdicts(day, [r.label for r in rows], judged):
            total += 1
            if verdict is None:
                unknown += 1
            elif verdict != "real":
                junk += 1
                reasons[verdict] += 1
    return total, junk, unknown, reasons


def twice(days: dict[date, list[Row]], part: str) -> list[tuple[str, str, str]]:
    """Rows of one top list most of whose items (60% or more) are those of a row above it:
    one story shown twice."""
    found = []
    for day, rows in days.items():
        if (day >= FIRST_UNTOUCHED) != (part == "untouched"):
            continue
        for i, row in enumerate(rows):
            for above in rows[:i]:
                if row.items and len(row.items & above.items) >= 0.6 * len(row.items):
                    found.append((day.isoformat(), above.label, row.label))
                    break
    return found


def unjudged(days: dict[date, list[Row]], judged: dict[tuple[str, str], tuple[str, str, str]]
             ) -> list[tuple[str, str]]:
    """(day, label) of every shown label not judged yet: what the next round of labelling
    reads."""
    return [(d.isoformat(), r.label) for d, rows in days.items() for r in rows
            if (d.isoformat(), r.label) not in judged]


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--dump", metavar="FILE", help="write every day's top 20 as JSON")
    ap.add_argument("--show", metavar="YYYY-MM-DD", action="append", default=[],
                    help="print that day's top 20 with the verdicts")
    ap.add_argument("--keep", metavar="DIR", help="leave the warehouses in DIR")
    ap.add_argument("--unjudged", metavar="FILE",
                    help="write every top list and the labels not judged yet (JSON)")
    ap.add_argument("--part", choices=("tuned", "untouched", "both"), default="both",
                    help="print one part only (tune with --part tuned: never read the other)")
    args = ap.parse_args()
    parts = ("tuned", "untouched") if args.part == "both" else (args.part,)
    if not HOURLY.exists():
        print(f"{HOURLY} not found", file=sys.stderr)
        return 2
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="label-quality-"))
    workdir.mkdir(parents=True, exist_ok=True)
    settings = SignalSettings()

    t0 = time.perf_counter()
    trends = google_trends(workdir, settings)
    print("== Google Trends samples: the headlines alone, do the top labels name the queries?")
    named_by_part: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sample, cases in trends.items():
        part = "tuned" if sample == TUNED_SAMPLE else "untouched"
        if part not in parts:
            continue
        print(f"\n{sample} ({part}): top {TRENDS_TOP} labels: {cases[0][3] if cases else []}")
        for query, ok, named, _ in cases:
            mark = "named" if named else ("MISSED" if ok else "not supportable")
            print(f"  {query[:50]:50} {mark}")
            if ok:
                named_by_part[part][0] += named
                named_by_part[part][1] += 1
    for part in parts:
        n, of = named_by_part[part]
        print(f"{part}: {n} of {of} supportable queries named"
              + (f" ({n / of:.0%})" if of else ""))

    db = workdir / "hourly.duckdb"
    db.unlink(missing_ok=True)
    days = replay_hourly(db, settings)
    print(f"\n== Hourly headlines: {len(days)} days replayed and scored at 12:00 WIB "
          f"in {time.perf_counter() - t0:.0f} s")
    if args.dump:
        Path(args.dump).write_text(json.dumps(
            {d.isoformat(): [r.label for r in rows] for d, rows in days.items()},
            ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"top lists written to {args.dump}")
    judged = judgements()
    for part in parts:
        total, junk, unknown, reasons = junk_share(days, judged, part)
        judged_n = total - unknown
        share = f"{junk / judged_n:.1%}" if judged_n else "n/a"
        print(f"{part}: {junk} junk of {judged_n} judged labels = {share}"
              + (f" ({unknown} not judged yet)" if unknown else "")
              + (f"; by reason: {dict(reasons.most_common())}" if reasons else ""))
    for part in parts:
        dups = twice(days, part)
        print(f"{part}: rows whose items are mostly a row above's: {len(dups)}"
              + (f", e.g. {dups[:3]}" if dups else ""))
    if args.unjudged:
        todo = {d.isoformat(): [r.label for r in rows] for d, rows in days.items()}
        Path(args.unjudged).write_text(json.dumps(
            {"lists": todo, "unjudged": unjudged(days, judged)}, ensure_ascii=False, indent=1),
            encoding="utf-8")
        print(f"{len(unjudged(days, judged))} labels not judged yet, written to {args.unjudged}")
    for day_text in args.show:
        day = date.fromisoformat(day_text)
        if (day >= FIRST_UNTOUCHED) != ("untouched" in parts and "tuned" not in parts) \
                and args.part != "both":
            print(f"\n{day} is not in the {args.part} part")
            continue
        print(f"\n{day:%a %d %b %Y}, 12:00 WIB")
        rows = days.get(day, [])
        for r, verdict in zip(rows, verdicts(day, [r.label for r in rows], judged)):
            _, tag, reason = judged.get((day_text, r.label), ("", "", ""))
            print(f"{r.rank:3}. {r.label[:40]:40} {r.state:8} {r.mentions:3} items "
                  f"{r.breadth:2} src  [{verdict or '?'}{' ' + tag if tag else ''}"
                  f"{': ' + reason[:60] if reason else ''}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
