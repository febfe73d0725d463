"""Idea quality: the automatic checks, the samples to label, and the labelled figures.

The client briefs of tests/data/ideas/clients.toml (the three demo clients and four more) are
scored, through the real scoring jobs (signals_job.update_trends, then ideas_job.score_clients,
which is what `trends score` runs) in a temporary DuckDB warehouse, on:

- the demo week: the demo world (trends/demo/world.py) built for 2026-12-02 08:00 WIB, served
  on 127.0.0.1 and ingested once, then scored as of 08:00 WIB on each of its seven mornings
  (26 November to 2 December);
- the tempo.co year: ../shared/fixtures/real/tempo/{ekonomi,hukum} replayed, then scored as of
  12:00 WIB on every day after the first week of baseline;
- the hourly headlines: ../shared/fixtures/real/headlines_hourly/ (the newest headline of ten
  national news sites, hourly, 30 October to 31 December 2025; no links, no summaries), each
  capture stored as a fetch of each site (ingest_job.store_results, which groups the sites'
  headlines into stories), then scored as of 12:00 WIB on every day after the first, as
  bench/label_quality.py scores them.

    .venv/bin/python bench/idea_quality.py --checks [--every N]
        trends/decide/ideas/checks.py over every idea of the demo week, of every (Nth) tempo
        day and of every hourly day: per replay the ideas, client-days, client-days with no
        idea and the failures per check with examples; exit 1 on any.
    .venv/bin/python bench/idea_quality.py --sample FILE [--relevance-sample FILE]
        the ideas to label (every idea of the demo week, of every 12th tempo day and of every
        4th hourly day), and the top 10 topics (the topics the digest would choose from, best
        first, as many as score above 0: a tempo day has few) of every client-day of the demo
        week, of tempo and of the hourly headlines, to label for relevance. Each row says
        its `replay` (demo | tempo | hourly), in the last column.
    .venv/bin/python bench/idea_quality.py
        the labelled figures: tests/data/ideas/labels.csv (id, label: postable | needs_rewrite
        | wrong, note) and tests/data/ideas/relevance_labels.csv (id, relevant: yes | no,
        note), joined by id with the ideas and topics made now, for the tuned and the
        untouched part apart, overall, per replay and per kind of idea.

A third of the (client, day) pairs, chosen by a hash before any labelling, is the untouched
part: never looked at while tuning. Ids hash (client, day, topic, language, platform), so a
label follows its idea from run to run; an idea whose text changed since it was labelled is
counted apart, not judged by an old label. The hourly days are days of the tempo year too, so
an hourly (client, day) is hashed with the replay's name in it, for its part and its ids; the
demo week's and tempo's keep the inputs they were labelled under.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import re
import sys
import tempfile
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from bench.label_quality import HOURLY, hourly_items  # noqa: E402
from trends.config import ClientConfig, Config, load_config, parse_config  # noqa: E402
from trends.decide.calendar import upcoming_moments  # noqa: E402
from trends.decide.ideas.checks import CHECKS, ClientDay, check_idea  # noqa: E402
from trends.decide.ideas_job import score_clients, skip_advised  # noqa: E402
from trends.decide.relevance import score_topic, select_topics  # noqa: E402
from trends.models import FeedItem, Idea, ScoredTopic  # noqa: E402
from trends.understand.labels import label_words  # noqa: E402
from trends.understand.signals_job import update_trends  # noqa: E402

DATA = ROOT / "tests" / "data" / "ideas"
CLIENTS = DATA / "clients.toml"
LABELS = DATA / "labels.csv"
RELEVANCE_LABELS = DATA / "relevance_labels.csv"
# The texts the labels judged: the sample the labellers read (labels.csv holds only verdicts).
LABELLED_TEXTS = DATA / "sample_ideas.csv"
TEMPO = ROOT.parent / "shared" / "fixtures" / "real" / "tempo"
SECTIONS = {"Tempo Ekonomi": "ekonomi", "Tempo Hukum": "hukum"}
JAKARTA = ZoneInfo("Asia/Jakarta")
DEMO_END = datetime(2026, 12, 2, 8, tzinfo=JAKARTA)
DEMO_DAYS = 7
TEMPO_HOUR = 12
SAMPLE_EVERY = 12          # every 12th tempo day is sampled for labelling
HOURLY_HOUR = 12
HOURLY_SAMPLE_EVERY = 4    # every 4th hourly day is sampled for labelling
REPLAYS = ("demo", "tempo", "hourly")
# Failures that are the fixture's, not the writer's: the hourly captures carry no links, so
# no idea made from them can link its story. Counted and shown apart, not as failures.
EXCUSED = {"hourly": {"grounded: links no story": "the hourly captures carry no links"}}
TOP = 10                   # topics per client-day labelled for relevance
EXAMPLES = 5               # examples shown per failing check

IDEA_COLUMNS = ["id", "part", "client", "day", "topic", "link", "kind", "angle", "platform",
                "language", "hook", "caption", "facts", "why", "source_url", "label", "note",
                "replay"]
RELEVANCE_COLUMNS = ["id", "part", "client", "day", "rank", "topic", "link", "why", "stories",
                     "relevant", "replay"]
VERDICTS = ("postable", "needs_rewrite", "wrong")


@dataclass(slots=True)
class Scored:
    """One client-day as the scoring run left it."""

    source: str                        # demo | tempo | hourly
    client: ClientConfig
    day: date                          # the client's local day
    as_of: datetime
    ideas: list[Idea]
    topics: dict[str, ScoredTopic]     # every topic scored for the client, by key
    ranked: list[ScoredTopic]          # the top TOP as the digest chooses them
    kinds: dict[str, str]              # topic key -> the candidate kind of its label
    names: frozenset[str]              # words the day's sources wrote as names
    sampled: bool = True               # a day of the samples to label
    checked: bool = True               # a day the checks read

    def for_checks(self) -> ClientDay:
        """What trends/decide/ideas/checks.py is given of this client-day."""
        return ClientDay(client=self.client, local_date=self.day, now=self.as_of,
                         topics=self.topics, kinds=self.kinds, names=self.names)


def pair(client_id: str, day: date | str, replay: str = "tempo") -> str:
    """What a (client, day) is hashed as: "client|day" for the demo week and tempo (as their
    labels were made), "client|hourly|day" for the hourly replay, whose days are tempo's too."""
    return f"{client_id}|hourly|{day}" if replay == "hourly" else f"{client_id}|{day}"


def part(client_id: str, day: date | str, replay: str = "tempo") -> str:
    """untouched for a third of the (client, day) pairs, by a hash fixed before labelling."""
    h = int(hashlib.sha256(pair(client_id, day, replay).encode()).hexdigest(), 16)
    return "untouched" if h % 3 == 0 else "tuned"


def idea_id(client_id: str, day: date, idea: Idea, replay: str = "tempo") -> str:
    """An idea's id in the samples and the labels: the same idea gets it in every run."""
    key = f"{pair(client_id, day, replay)}|{idea.topic_key}|{idea.language}|{idea.platform}"
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def topic_id(client_id: str, day: date, topic_key: str, replay: str = "tempo") -> str:
    """A ranked topic's id in the relevance sample and its labels."""
    return hashlib.sha1(f"{pair(client_id, day, replay)}|{topic_key}".encode()).hexdigest()[:12]


def load_clients(path: Path = CLIENTS) -> tuple[ClientConfig, ...]:
    """The client briefs, read as trends.toml's [[clients]] are."""
    return parse_config(tomllib.loads(path.read_text(encoding="utf-8")), path).clients


def score_day(con: duckdb.DuckDBPyConnection, config: Config, as_of: datetime,
              source: str, *, sampled: bool = True, checked: bool = True) -> list[Scored]:
    """One scoring run as `trends score --as-of` makes it (ideas_job.score), and each
    client's ranked topics beside it: relevance scored again the way the job scores it."""
    found = update_trends(con, config.signals, as_of=as_of)
    drafts = score_clients(con, config, found.topics, found.as_of)
    kinds = {k: ctx.signal.kind for k, ctx in found.topics.items()}
    names = frozenset(w for ctx in found.topics.values() if ctx.signal.kind == "name"
                      for w in label_words(ctx.signal.label))
    out = []
    for draft in drafts:
        c, day = draft.client, draft.day
        moments = upcoming_moments(c, day)
        scored = {k: score_topic(c, ctx, moments, day)[0] for k, ctx in found.topics.items()}
        ranked = select_topics([t for t in scored.values() if not skip_advised(t)],
                               found.topics, TOP)
        chosen = [t.key for t in ranked[:len(draft.topics)]]
        if sorted(chosen) != sorted(draft.topics):
            # the ranking is scored again here: it must agree with the job's own choice
            print(f"warning: {c.id} {day}: the job chose {sorted(draft.topics)}, the ranking "
                  f"here starts with {chosen}", file=sys.stderr)
        out.append(Scored(source=source, client=c, day=day, as_of=found.as_of,
                          ideas=draft.ideas, topics={**scored, **draft.topics}, ranked=ranked,
                          kinds=kinds, names=names, sampled=sampled, checked=checked))
    return out


def demo_week(clients: Sequence[ClientConfig]) -> Iterator[Scored]:
    """The demo world's seven mornings, for `clients`."""
    from trends.collect.ingest_job import ingest
    from trends.demo.world import build_world, serve_world
    from warehouse.db import open_warehouse

    end = DEMO_END.astimezone(UTC)
    world = build_world(end)
    with tempfile.TemporaryDirectory(prefix="idea-quality-demo-") as tmp, \
            serve_world(world) as server:
        path = Path(tmp) / "trends.toml"
        path.write_text(world.config_toml(server.url(""), "trends.duckdb"), encoding="utf-8")
        config = dataclasses.replace(load_config(path), clients=tuple(clients))
        with open_warehouse(config.warehouse.path) as con:
            ingest(con, config, force=True, now=end)
            for n in range(DEMO_DAYS - 1, -1, -1):
                yield from score_day(con, config, end - timedelta(days=n), "demo")


def replay_days(con: duckdb.DuckDBPyConnection, baseline_days: int) -> list[date]:
    """The replay's local days after its first `baseline_days` (a baseline to trend against):
    a week for the tempo year, a day for the hourly headlines (as bench/label_quality.py
    scores them)."""
    first, last = con.execute("SELECT min(event_at), max(event_at) FROM items").fetchone() \
        or (None, None)
    if first is None or last is None:
        return []
    day = (first.astimezone(JAKARTA) + timedelta(days=baseline_days)).date()
    end = last.astimezone(JAKARTA).date()
    return [day + timedelta(days=n) for n in range((end - day).days + 1)]


def sample_days(days: Sequence[date], every: int = SAMPLE_EVERY) -> list[date]:
    """Every `every`th day of the replay, from the middle of the first stride."""
    return list(days[every // 2::max(every, 1)])


def replay_config(db: Path, feeds: dict[str, str],
                  clients: Sequence[ClientConfig]) -> Config:
    """The config of a replay into `db`: one Indonesian RSS source per name -> URL of
    `feeds`, and `clients`."""
    config = parse_config({
        "warehouse": {"path": str(db)},
        "sources": [{"name": name, "kind": "rss", "language": "id", "url": url}
                    for name, url in feeds.items()],
    }, db.with_name("trends.toml"))
    return dataclasses.replace(config, clients=tuple(clients))


def score_days(con: duckdb.DuckDBPyConnection, config: Config, days: Sequence[date], hour: int,
               source: str, *, every: int | None, sample_every: int) -> Iterator[Scored]:
    """`days` scored at `hour` WIB: the sampled days and every `every`th day (None: the
    sampled days only), each day on its own."""
    sampled = set(sample_days(days, sample_every))
    checked = set(days[::max(every, 1)]) if every is not None else set()
    for day in sorted(sampled | checked):
        as_of = datetime.combine(day, dtime(hour), JAKARTA).astimezone(UTC)
        yield from score_day(con, config, as_of, source, sampled=day in sampled,
                             checked=day in checked)


def tempo_year(clients: Sequence[ClientConfig], *, every: int | None = 1,
               sample_every: int = SAMPLE_EVERY) -> Iterator[Scored]:
    """The tempo.co replay scored at 12:00 WIB on the sampled days and on every `every`th
    day (None: on the sampled days only), for `clients`. Each day is scored on its own: a
    day's ideas do not depend on which other days were scored."""
    from trends.collect.replay_job import replay
    from warehouse.db import open_warehouse

    with tempfile.TemporaryDirectory(prefix="idea-quality-tempo-") as tmp:
        config = replay_config(Path(tmp) / "tempo.duckdb", {
            name: f"https://rss.tempo.co/{section}" for name, section in SECTIONS.items()},
            clients)
        with open_warehouse(config.warehouse.path) as con:
            for name, section in SECTIONS.items():
                replay(con, config, TEMPO / section, name)
            yield from score_days(con, config, replay_days(con, 7), TEMPO_HOUR, "tempo",
                                  every=every, sample_every=sample_every)


def store_hourly(con: duckdb.DuckDBPyConnection, config: Config,
                 items: Sequence[tuple[FeedItem, datetime]]) -> None:
    """Every distinct headline of the hourly captures (`items`, as bench/label_quality.py
    reads them), a capture being a fetch of each site it has a new headline of, stored a day
    of captures at a time by ingest_job.store_results, as an ingest run stores them."""
    from trends.collect.ingest_job import IngestSummary, store_results
    from trends.models import FetchRecord
    from warehouse import collect as collect_sql

    collect_sql.sync_sources(con, config.sources)
    urls = {s.name: s.url for s in config.sources}
    by_day: dict[date, dict[tuple[datetime, str], list[FeedItem]]] = defaultdict(
        lambda: defaultdict(list))
    for item, at in items:
        by_day[at.astimezone(JAKARTA).date()][(at, item.source)].append(item)
    for day in sorted(by_day):
        results = [(FetchRecord(source=source, url=urls[source], started_at=at, duration_ms=0,
                                outcome="ok", entries=len(items)), items, at)
                   for (at, source), items in sorted(by_day[day].items())]
        store_results(con, IngestSummary(run_id=f"replay-hourly-{day:%Y%m%d}"), results)


def hourly_replay(clients: Sequence[ClientConfig], *, every: int | None = 1,
                  sample_every: int = HOURLY_SAMPLE_EVERY) -> Iterator[Scored]:
    """The hourly headlines stored, then scored at 12:00 WIB on the sampled days and on every
    `every`th day (None: on the sampled days only), for `clients`; each day on its own, as
    the tempo year is."""
    from warehouse.db import open_warehouse

    items = hourly_items()
    sites = sorted({i.source for i, _ in items})
    with tempfile.TemporaryDirectory(prefix="idea-quality-hourly-") as tmp:
        config = replay_config(Path(tmp) / "hourly.duckdb", {
            site: f"https://{re.sub(r'[^a-z0-9.]+', '-', site.lower())}/rss" for site in sites},
            clients)
        with open_warehouse(config.warehouse.path) as con:
            store_hourly(con, config, items)
            yield from score_days(con, config, replay_days(con, 1), HOURLY_HOUR, "hourly",
                                  every=every, sample_every=sample_every)


# --- --checks ------------------------------------------------------------------------------

@dataclass(slots=True)
class Failures:
    excused: dict[str, str] = dataclasses.field(default_factory=dict)   # problem -> why
    ideas: int = 0
    client_days: int = 0
    empty_days: int = 0
    by_kind: Counter[str] = dataclasses.field(default_factory=Counter)
    by_check: dict[str, list[tuple[Scored, Idea, str]]] = dataclasses.field(
        default_factory=lambda: defaultdict(list))
    excused_found: Counter[str] = dataclasses.field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return sum(len(v) for v in self.by_check.values())

    def add(self, s: Scored) -> None:
        self.client_days += 1
        self.empty_days += not s.ideas
        day = s.for_checks()
        for idea in s.ideas:
            self.ideas += 1
            self.by_kind[idea.kind] += 1
            for problem in check_idea(idea, day):
                if problem in self.excused:
                    self.excused_found[problem] += 1
                    continue
                self.by_check[problem.split(":", 1)[0]].append((s, idea, problem))

    def report(self, title: str) -> int:
        failed = self.failed
        kinds = ", ".join(f"{k} {n}" for k, n in self.by_kind.most_common())
        print(f"\n{title}: {self.ideas} ideas ({kinds}) over {self.client_days} client-days "
              f"({self.empty_days} with none); {failed} failures")
        for problem, n in self.excused_found.items():
            print(f"  not counted: {n} x {problem!r} ({self.excused[problem]})")
        for name in CHECKS:
            found = self.by_check.get(name, [])
            ideas = len({id(i) for _, i, _ in found})
            print(f"  {name:<9} {len(found):5} failures in {ideas} ideas")
        for name in CHECKS:
            found = self.by_check.get(name, [])
            if not found:
                continue
            print(f"\n  -- {name}: {len(found)} failures; examples --")
            shown: set[str] = set()
            for s, idea, problem in found:
                if problem in shown:
                    continue
                shown.add(problem)
                print(f"  {s.source} {s.client.id} {s.day} {idea.topic_label!r} "
                      f"({idea.kind}, {idea.link}, {idea.angle}, {idea.language}/"
                      f"{idea.platform})\n     {problem}\n     hook:    {idea.hook}\n"
                      f"     caption: {idea.caption}\n     facts:   {idea.facts}")
                if len(shown) >= EXAMPLES:
                    break
        return failed


# --- --sample, --relevance-sample ------------------------------------------------------------

def idea_rows(scored: Sequence[Scored]) -> list[dict[str, str]]:
    rows = []
    seen: set[str] = set()
    for s in scored:
        for idea in s.ideas:
            rid = idea_id(s.client.id, s.day, idea, s.source)
            if rid in seen:
                raise SystemExit(f"two ideas share the id {rid}: {s.source} {s.client.id} "
                                 f"{s.day} {idea.topic_key} {idea.language} {idea.platform}")
            seen.add(rid)
            rows.append({
                "id": rid, "part": part(s.client.id, s.day, s.source), "client": s.client.id,
                "day": s.day.isoformat(), "topic": idea.topic_label, "link": idea.link,
                "kind": idea.kind, "angle": idea.angle, "platform": idea.platform,
                "language": idea.language, "hook": idea.hook, "caption": idea.caption,
                "facts": " | ".join(idea.facts), "why": idea.why,
                "source_url": idea.source_url or "", "label": "", "note": "",
                "replay": s.source})
    return rows


def relevance_rows(scored: Sequence[Scored]) -> list[dict[str, str]]:
    rows = []
    for s in scored:
        for rank, t in enumerate(s.ranked, 1):
            rows.append({
                "id": topic_id(s.client.id, s.day, t.key, s.source),
                "part": part(s.client.id, s.day, s.source),
                "client": s.client.id, "day": s.day.isoformat(), "rank": str(rank),
                "topic": t.label, "link": t.link, "why": t.reason,
                "stories": " | ".join(a.title for a in t.articles[:2]), "relevant": "",
                "replay": s.source})
    return rows


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)


# --- the labelled figures ------------------------------------------------------------------

def _verdict(text: str) -> str | None:
    v = text.strip().lower().replace(" ", "_").replace("-", "_")
    v = {"needs_rewriting": "needs_rewrite", "rewrite": "needs_rewrite"}.get(v, v)
    return v if v in VERDICTS else None


def _relevant(text: str) -> bool | None:
    v = text.strip().lower()
    if v in ("yes", "y", "1", "true", "relevant"):
        return True
    if v in ("no", "n", "0", "false", "not relevant", "not_relevant"):
        return False
    return None


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


PARTS = ("tuned", "untouched")


def kind_counts(rows: Sequence[dict[str, str]]) -> None:
    """The ideas per kind, overall and per replay."""
    kinds = [k for k, _ in Counter(r["kind"] for r in rows).most_common()]
    by = Counter((r["replay"], r["kind"]) for r in rows)
    print(f"  {'kinds':<10}{'all':>7}" + "".join(f"{k:>9}" for k in kinds))
    for name in ("all", *REPLAYS):
        mine = [r for r in rows if name == "all" or r["replay"] == name]
        cells = [str(sum(1 for r in mine if r["kind"] == k) if name == "all" else by[(name, k)])
                 for k in kinds]
        print(f"  {name:<10}{len(mine):>7}" + "".join(f"{c:>9}" for c in cells))


def idea_figures(current: list[dict[str, str]], labels: list[dict[str, str]],
                 judged_texts: Sequence[dict[str, str]] = ()) -> None:
    """The labelled shares, each label counted only while the idea still reads as the text it
    judged (`judged_texts`: the labelled sample)."""
    now = {r["id"]: r for r in current}
    texts = {r["id"]: r for r in judged_texts}
    judged: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    changed = gone = 0
    labelled_ids = set()
    for r in labels:
        verdict = _verdict(r.get("label", ""))
        if verdict is None:
            continue
        labelled_ids.add(r["id"])
        idea = now.get(r["id"])
        if idea is None:
            gone += 1
            continue
        seen = texts.get(r["id"], r)
        if any(k in seen and seen[k] != idea[k] for k in ("hook", "caption")):
            changed += 1          # the label was for another text
            continue
        for name in ("all", idea["replay"], f"kind {idea['kind']}"):
            judged[(name, idea["part"])][verdict] += 1
    unlabelled = sum(1 for rid in now if rid not in labelled_ids)
    print(f"ideas: {len(now)} made now on the labelled days; {len(labelled_ids)} labelled, of "
          f"which {changed} changed text since (not counted) and {gone} are no longer made; "
          f"{unlabelled} not labelled yet")
    kind_counts(current)
    print(f"\n  {'set':<14}{'part':<10}{'judged':>7}{'postable':>10}{'needs rewrite':>15}"
          f"{'wrong':>8}")
    kinds = sorted({r["kind"] for r in current})
    for name in ("all", *REPLAYS, *(f"kind {k}" for k in kinds)):
        for which in PARTS:
            c = judged[(name, which)]
            n = sum(c.values())
            shares = [f"{c[v] / n:.0%}" if n else "-" for v in VERDICTS]
            print(f"  {name:<14}{which:<10}{n:>7}{shares[0]:>10}{shares[1]:>15}{shares[2]:>8}")
    print("  targets: postable at least 80% on the untouched part; wrong 0 by the checks")


def relevance_figures(current: list[dict[str, str]], labels: list[dict[str, str]]) -> None:
    now = {r["id"]: r for r in current}
    hits: dict[tuple[str, str], list[bool]] = defaultdict(list)
    missing = labelled = 0
    for r in labels:
        verdict = _relevant(r.get("relevant", ""))
        row = now.get(r["id"])
        if verdict is None:
            continue
        if row is None:
            missing += 1          # no longer in that client-day's top 10
            continue
        labelled += 1
        for name in (row["client"], "overall", f"overall {row['replay']}"):
            hits[(name, row["part"])].append(verdict)
    by_replay = ", ".join(f"{n} {name}" for name, n
                          in Counter(r["replay"] for r in current).most_common())
    print(f"\nrelevance: {len(now)} topics in the top {TOP}s now ({by_replay}), {labelled} of "
          f"them labelled; {missing} labelled topics are no longer in their top {TOP}")
    print(f"  {'client':<18}{'tuned P@10':>12}{'(n)':>6}{'untouched P@10':>16}{'(n)':>6}")
    clients = sorted({r["client"] for r in current})
    for c in (*clients, "overall", *(f"overall {name}" for name in REPLAYS)):
        cells = []
        for which in PARTS:
            v = hits.get((c, which), [])
            cells += [f"{sum(v) / len(v):.2f}" if v else "-", str(len(v))]
        print(f"  {c:<18}{cells[0]:>12}{cells[1]:>6}{cells[2]:>16}{cells[3]:>6}")
    print("  target: at least 0.90 for each client on the untouched part")


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--checks", action="store_true",
                    help="run the automatic checks over every idea; exit 1 on any failure")
    ap.add_argument("--every", type=int, default=1, metavar="N",
                    help="score every Nth tempo day only (default: every day)")
    ap.add_argument("--sample", type=Path, metavar="FILE", help="write the ideas to label")
    ap.add_argument("--sample-every", type=int, default=SAMPLE_EVERY, metavar="N",
                    help=f"sample the ideas of every Nth tempo day (default {SAMPLE_EVERY})")
    ap.add_argument("--hourly-sample-every", type=int, default=HOURLY_SAMPLE_EVERY, metavar="N",
                    help="sample the ideas and the top 10s of every Nth hourly day "
                         f"(default {HOURLY_SAMPLE_EVERY})")
    ap.add_argument("--relevance-sample", type=Path, metavar="FILE",
                    help="write the top 10 topics of each client-day to label")
    ap.add_argument("--clients", type=Path, default=CLIENTS, help="the client briefs")
    ap.add_argument("--labels", type=Path, default=LABELS, help="the labelled ideas")
    ap.add_argument("--relevance-labels", type=Path, default=RELEVANCE_LABELS,
                    help="the labelled top 10s")
    args = ap.parse_args(argv)
    figures = not (args.checks or args.sample or args.relevance_sample)
    for folder in (TEMPO, HOURLY):
        if not folder.exists():
            print(f"{folder} not found", file=sys.stderr)
            return 2
    clients = load_clients(args.clients)
    print(f"{len(clients)} clients from {args.clients}: " + ", ".join(c.id for c in clients))

    sampled: list[Scored] = []      # the client-days whose ideas are labelled
    ranked: list[Scored] = []       # the client-days whose top 10s are labelled
    checks = {name: Failures(excused=EXCUSED.get(name, {})) for name in REPLAYS}
    # Only the ideas' sample needs no other day: the checks and the top 10s read them all.
    every = args.every if (args.checks or args.relevance_sample or figures) else None
    timing: dict[str, float] = {}
    scored_days: dict[str, set[date]] = defaultdict(set)
    for source in REPLAYS:
        t0 = time.perf_counter()
        if source == "demo":
            stream = demo_week(clients)
        elif source == "tempo":
            stream = tempo_year(clients, every=every, sample_every=args.sample_every)
        else:
            stream = hourly_replay(clients, every=1 if every is not None else None,
                                   sample_every=args.hourly_sample_every)
        for s in stream:
            scored_days[source].add(s.day)
            if args.checks and s.checked:
                checks[source].add(s)
            if s.sampled:
                sampled.append(s)
            ranked.append(s)
        timing[source] = time.perf_counter() - t0

    picked = Counter(source for source, _ in {(s.source, s.day) for s in sampled})
    print(f"demo week: {DEMO_DAYS} mornings scored in {timing['demo']:.1f} s; tempo.co: "
          f"replayed, {len(scored_days['tempo'])} days scored in {timing['tempo']:.1f} s "
          f"(sampled for labelling: {picked['tempo']} days, every {args.sample_every}th); "
          f"hourly headlines: stored, {len(scored_days['hourly'])} days scored in "
          f"{timing['hourly']:.1f} s (sampled: {picked['hourly']} days, every "
          f"{args.hourly_sample_every}th); {len(clients)} clients")

    status = 0
    if args.checks:
        which = "every day" if args.every <= 1 else f"every {args.every}th day"
        titles = {"demo": "demo week, every morning",
                  "tempo": f"tempo.co year, {which} at 12:00 WIB",
                  "hourly": "hourly headlines, every day at 12:00 WIB"}
        failed = sum(checks[name].report(titles[name]) for name in REPLAYS)
        print(f"\n  {'replay':<8}{'ideas':>7}{'client-days':>13}{'with no idea':>14}"
              f"{'failures':>10}{'not counted':>13}")
        for name in REPLAYS:
            f = checks[name]
            print(f"  {name:<8}{f.ideas:>7}{f.client_days:>13}{f.empty_days:>14}{f.failed:>10}"
                  f"{sum(f.excused_found.values()):>13}")
        print(f"\nautomatic checks: {failed} failures "
              f"({'OK' if not failed else 'FAIL'}: the target is none)")
        status = 1 if failed else 0
    ideas, topics = idea_rows(sampled), relevance_rows(ranked)
    if args.sample:
        write_csv(args.sample, IDEA_COLUMNS, ideas)
        print(f"\n{len(ideas)} ideas of {len({r['client'] for r in ideas})} clients written to "
              f"{args.sample}:")
        sample_counts(ideas)
    if args.relevance_sample:
        write_csv(args.relevance_sample, RELEVANCE_COLUMNS, topics)
        print(f"\n{len(topics)} ranked topics of {len({r['client'] for r in topics})} clients "
              f"written to {args.relevance_sample}:")
        sample_counts(topics, kinds=False)
    if figures:
        print()
        if args.labels.exists():
            idea_figures(ideas, read_csv(args.labels),
                         read_csv(LABELLED_TEXTS) if LABELLED_TEXTS.exists() else [])
        else:
            print(f"no {args.labels}: label a sample first (--sample FILE); the ideas made now "
                  "on the sampled days:")
            kind_counts(ideas)
        if args.relevance_labels.exists():
            relevance_figures(topics, read_csv(args.relevance_labels))
        else:
            print(f"no {args.relevance_labels}: label a relevance sample first "
                  "(--relevance-sample FILE)")
    print(f"\nwall time {time.perf_counter() - started:.1f} s")
    return status


def sample_counts(rows: Sequence[dict[str, str]], *, kinds: bool = True) -> None:
    """A sample's rows per replay and part (and per kind), and its clients."""
    names = sorted({r["kind"] for r in rows}) if kinds else []
    print(f"  {'replay':<8}{'rows':>6}{'tuned':>7}{'untouched':>11}{'clients':>9}"
          + "".join(f"{k:>9}" for k in names) + ("  not prepare" if kinds else ""))
    for name in ("all", *REPLAYS):
        mine = [r for r in rows if name == "all" or r["replay"] == name]
        by_part = Counter(r["part"] for r in mine)
        by_kind = Counter(r["kind"] for r in mine) if kinds else Counter()
        print(f"  {name:<8}{len(mine):>6}{by_part['tuned']:>7}{by_part['untouched']:>11}"
              f"{len({r['client'] for r in mine}):>9}" + "".join(f"{by_kind[k]:>9}" for k in names)
              + (f"{len(mine) - by_kind['prepare']:>13}" if kinds else ""))


if __name__ == "__main__":
    sys.exit(main())
