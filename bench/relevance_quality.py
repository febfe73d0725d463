"""Relevance and brand-safety quality on hand-labelled real tempo.co headlines.

    .venv/bin/python bench/relevance_quality.py [--fixtures ../shared/fixtures/real/tempo]

Labels live in tests/data/labels/: `relevance.csv` (client, day, link, headline, label, reason)
for the three demo clients, and `sensitive.csv` (day, link, headline, sensitive, category,
reason). Headlines and summaries are read from the tempo.co snapshots with feedparser.

Each labelled headline is scored as a one-story topic for each demo client (their keywords,
exclude lists and `avoid` policy from trends/demo/world.py), with a neutral trend. Per client
and capture day, the top 10 headlines with a score above 0 are "suggested"; precision is the
share of them labelled relevant. Recall of the relevant labels is shown too, with and without
the brand-safety filter (relevant but sensitive stories are held back on purpose).
Sensitive-story recall: the share of headlines labelled sensitive that the classifier flags
(any category), and the share of safe ones it flags by mistake.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser

from trends.config import ClientConfig, parse_config
from trends.decide.relevance import score_topic
from trends.decide.safety import classify_text
from trends.demo.world import DEMO_CLIENTS
from trends.models import Article, TopicContext, TopicSignal

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "labels"
FIXTURES = ROOT.parent / "shared" / "fixtures" / "real" / "tempo"
TOP = 10


def read_feeds(directory: Path) -> dict[str, tuple[str, str]]:
    """link -> (title, summary) over every snapshot, first capture wins."""
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(directory.glob("*/*.xml")):
        for e in feedparser.parse(path.read_bytes()).entries:
            link = e.get("link")
            if link and link not in out:
                out[link] = (e.get("title", ""), e.get("summary", ""))
    return out


def demo_clients() -> list[ClientConfig]:
    import tomllib

    return list(parse_config(tomllib.loads(DEMO_CLIENTS), Path("demo-clients.toml")).clients)


def one_story_topic(title: str, summary: str) -> TopicContext:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    sig = TopicSignal(key=title.lower(), label=title, kind="phrase", mentions=3, baseline=1.0,
                      velocity=2.0, breadth=2, volume=0.0, freshness=1.0,
                      first_seen_at=now - timedelta(hours=6), state="rising", trend=1.0)
    return TopicContext(signal=sig, articles=[Article(title, None, "tempo")],
                        texts=[f"{title}. {summary}".lower()], item_keys=frozenset([title]))


def relevance(feeds: dict[str, tuple[str, str]], clients: list[ClientConfig]) -> None:
    rows = list(csv.DictReader((LABELS / "relevance.csv").open(encoding="utf-8")))
    print(f"relevance: {len(rows)} labels, "
          + ", ".join(f"{c.id}: {sum(r['client'] == c.id for r in rows)} "
                      f"({sum(r['client'] == c.id and r['label'] == 'relevant' for r in rows)}"
                      " relevant)"
                      for c in clients))
    print(f"{'client':<16}{'policy':<8}{'days':>5}{'suggested':>10}{'precision@10':>14}"
          f"{'macro P':>9}{'recall':>8}")
    for client in clients:
        for policy in ("avoid", "flag"):
            c = dataclasses.replace(client, policy=policy)
            by_day: dict[str, list[tuple[float, bool, str]]] = defaultdict(list)
            for r in (r for r in rows if r["client"] == c.id):
                title, summary = feeds.get(r["link"], (r["headline"], ""))
                topic, _ = score_topic(c, one_story_topic(title, summary))
                by_day[r["day"]].append((topic.score, r["label"] == "relevant", title))
            suggested = hits = days_with = 0
            per_day = []
            for scored in by_day.values():
                top = [s for s in sorted(scored, key=lambda s: -s[0]) if s[0] > 0][:TOP]
                if top:
                    days_with += 1
                    per_day.append(sum(s[1] for s in top) / len(top))
                suggested += len(top)
                hits += sum(s[1] for s in top)
            relevant = sum(s[1] for scored in by_day.values() for s in scored)
            precision = hits / suggested if suggested else float("nan")
            macro = sum(per_day) / len(per_day) if per_day else float("nan")
            print(f"{c.id:<16}{policy:<8}{days_with:>5}{suggested:>10}{precision:>14.2f}"
                  f"{macro:>9.2f}{hits / relevant if relevant else float('nan'):>8.2f}")
            if policy == "avoid":
                wrong = [t for scored in by_day.values() for s, ok, t in scored if s > 0 and not ok]
                for t in wrong:
                    print(f"    suggested but labelled not relevant: {t}")
    print()


def sensitivity(feeds: dict[str, tuple[str, str]]) -> None:
    rows = list(csv.DictReader((LABELS / "sensitive.csv").open(encoding="utf-8")))
    sensitive = [r for r in rows if r["sensitive"] == "yes"]
    safe = [r for r in rows if r["sensitive"] == "no"]
    found = [r for r in sensitive if classify_text(r["headline"])]
    false = [r for r in safe if classify_text(r["headline"])]
    same = [r for r in found if r["category"] in classify_text(r["headline"])]
    print(f"sensitivity: {len(rows)} headlines labelled, {len(sensitive)} sensitive")
    print(f"  recall (headline only):     {len(found)}/{len(sensitive)} = "
          f"{len(found) / len(sensitive):.2f}   (same category as the label: {len(same)})")
    with_summary = [r for r in sensitive
                    if classify_text(" ".join(feeds.get(r["link"], (r["headline"], "")))) ]
    print(f"  recall (headline + summary): {len(with_summary)}/{len(sensitive)} = "
          f"{len(with_summary) / len(sensitive):.2f}")
    print(f"  false alarms on safe ones:  {len(false)}/{len(safe)} = {len(false) / len(safe):.2f}")
    for r in sensitive:
        if r not in found:
            print(f"    missed ({r['category']}): {r['headline']}")
    for r in false:
        print(f"    false alarm {sorted(classify_text(r['headline']))}: {r['headline']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    args = parser.parse_args()
    feeds = read_feeds(args.fixtures) if args.fixtures.exists() else {}
    if not feeds:
        print(f"(no snapshots under {args.fixtures}: scoring headlines without summaries)")
    relevance(feeds, demo_clients())
    sensitivity(feeds)


if __name__ == "__main__":
    main()
