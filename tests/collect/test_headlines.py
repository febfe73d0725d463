"""Near-duplicate headlines across sources are one story; different stories stay apart."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tests.feeds import rss
from trends.collect.headlines import WINDOW, Headline, assign_stories, same_story, title_tokens
from trends.collect.ingest_job import ingest
from trends.config import load_config
from warehouse.db import open_warehouse

NOW = datetime.now(UTC).replace(microsecond=0)

# The same stories as three Indonesian newsrooms title them, with each site's habits.
KOMPAS = [("Harga Pertamax Naik Mulai 1 Desember 2026, Ini Rinciannya - Kompas.com",
           "https://money.kompas.com/read/2026/11/30/pertamax-naik"),
          ("Timnas Indonesia Kalahkan Vietnam 2-0 di Stadion GBK",
           "https://bola.kompas.com/read/2026/11/30/timnas-menang")]
DETIK = [("Harga Pertamax Naik Mulai 1 Desember 2026, Ini Rinciannya | detikFinance",
          "https://finance.detik.com/energi/d-7000001/pertamax-naik"),
         ("Banjir Rendam 5 Kecamatan di Bekasi, Ribuan Warga Mengungsi",
          "https://news.detik.com/berita/d-7000002/banjir-bekasi")]
ANTARA = [("Harga Pertamax naik mulai 1 Desember 2026, ini rincian",
           "https://www.antaranews.com/berita/4000001/harga-pertamax-naik"),
          ("Timnas Indonesia kalahkan Vietnam 2-0 di GBK",
           "https://www.antaranews.com/berita/4000002/timnas-kalahkan-vietnam"),
          # shares most words with the fuel story, but it is another story
          ("Harga Pertalite Tidak Naik Mulai 1 Desember 2026, Kata Menteri ESDM",
           "https://www.antaranews.com/berita/4000003/pertalite-tetap")]


def feed(name: str, entries: list[tuple[str, str]], hours: int = 0) -> bytes:
    return rss(name, [{"title": t, "link": u, "date": NOW - timedelta(hours=hours + i)}
                      for i, (t, u) in enumerate(entries)])


def test_title_tokens_drop_site_names_case_accents_and_function_words() -> None:
    assert title_tokens("Kafe di Bandung Ramai  - Kompas.com") == {"kafe", "bandung", "ramai"}
    assert title_tokens("Café Éclair | detikFood") == {"cafe", "eclair"}


def test_same_story_rule() -> None:
    a = title_tokens("Harga Pertamax Naik Mulai 1 Desember 2026, Ini Rinciannya")
    b = title_tokens("Harga Pertamax naik mulai 1 Desember 2026, ini rincian")
    c = title_tokens("Harga Pertalite Tidak Naik Mulai 1 Desember 2026, Kata Menteri ESDM")
    assert same_story(a, b) and not same_story(a, c)
    # short headlines only match when their words are the same
    assert not same_story(title_tokens("Timnas menang"), title_tokens("Timnas menang lagi"))
    assert same_story(title_tokens("Timnas menang!"), title_tokens("timnas MENANG"))
    # a short headline cannot swallow a long one that contains it
    assert not same_story(title_tokens("Harga Pertamax naik mulai Desember"),
                          title_tokens("Harga Pertamax naik mulai Desember, Pertalite dan Solar "
                                       "tetap, kata Menteri ESDM di Jakarta Senin pagi"))


def test_assign_stories_uses_the_first_headline_and_a_time_window() -> None:
    stored = [Headline("old", "Harga Pertamax Naik Mulai 1 Desember 2026", NOW - timedelta(days=1),
                       story_key="story-1")]
    new = [Headline("n1", "Harga Pertamax naik mulai 1 Desember 2026!", NOW),
           Headline("n2", "Harga Pertamax Naik Mulai 1 Desember 2026", NOW + timedelta(days=5)),
           Headline("n3", "Harga Pertamax naik mulai 1 Desember 2026 ya", NOW + timedelta(days=5,
                                                                                      hours=1))]
    got = assign_stories(new, stored)
    # n2 is 6 days after the stored one: a new story, which n3 then joins
    assert got == {"n1": "story-1", "n2": "n2", "n3": "n2"}


def test_blocking_scales_without_comparing_every_pair() -> None:
    # 8,000 distinct headlines: with pairwise comparison this would be 32 million checks
    rnd = random.Random(7)
    words = [f"w{i}" for i in range(3000)]
    new = [Headline(f"k{i}", " ".join(rnd.sample(words, 8)), NOW + timedelta(seconds=i))
           for i in range(8000)]
    new.append(Headline("dup", new[123].title + " - Kompas.com", NOW + timedelta(seconds=200)))
    got = assign_stories(new, [])
    assert got["dup"] == "k123"
    assert len(set(got.values())) == 8000


def test_one_story_from_three_newsrooms_with_its_sources(  # type: ignore[no-untyped-def]
        write_config, feed_server) -> None:
    feed_server.add("/kompas.xml", feed("Kompas", KOMPAS))
    feed_server.add("/detik.xml", feed("Detik", DETIK, hours=1))
    feed_server.add("/antara.xml", feed("Antara", ANTARA[:2]))
    # the same Kompas article again, through an aggregator with tracking parameters
    feed_server.add("/agg.xml", rss("Agg", [{"title": KOMPAS[1][0] + " - Kompas.com",
                                             "link": KOMPAS[1][1] + "?utm_source=agg"}]))
    text = '[warehouse]\npath = "trends.duckdb"\n'
    for name in ("Kompas", "Detik", "Antara", "Agg"):
        text += (f'\n[[sources]]\nname = "{name}"\nkind = "rss"\n'
                 f'url = "{feed_server.url("/" + name.lower() + ".xml")}"\n')
    config = load_config(write_config(text))
    with open_warehouse(config.warehouse.path) as con:
        ingest(con, config)
        # a later run brings a headline that shares words with a stored story but is not it
        feed_server.replace("/antara.xml", feed("Antara", ANTARA))
        ingest(con, config, force=True)
        stories = con.execute("""SELECT title, items, sources, source_names FROM stories
                                 ORDER BY sources DESC, title""").fetchall()
        carried = con.execute("""SELECT s.source FROM story_sources s JOIN items i
                                 ON i.key = s.story_key WHERE i.url LIKE '%bola.kompas%'
                                 ORDER BY s.source""").fetchall()
        count = con.execute("SELECT count(*) FROM items").fetchone()
    assert count == (7,)    # the aggregator's copy is the Kompas item, not an eighth
    fuel, football, flood, pertalite = (
        next(s for s in stories if s[0].startswith(p))
        for p in ("Harga Pertamax", "Timnas", "Banjir", "Harga Pertalite"))
    assert fuel[1:] == (3, 3, ["Antara", "Detik", "Kompas"])
    assert football[1:] == (2, 3, ["Agg", "Antara", "Kompas"])
    assert flood[1:] == (1, 1, ["Detik"]) and pertalite[1:] == (1, 1, ["Antara"])
    assert len(stories) == 4
    assert carried == [("Agg",), ("Antara",), ("Kompas",)]


def test_share_and_tracking_parameters_fold_into_one_link() -> None:
    from trends.collect.normalize import canonical_url

    base = "https://kompas.com/read/2026/11/30/pertamax-naik"
    for variant in (base + "?utm_source=fb&ocid=msn", base + "/amp?src=wa&_branch_match_id=9",
                    "http://amp.kompas.com/read/2026/11/30/pertamax-naik?tag_from=terkini",
                    base + "?fb_action_ids=1&fb_action_types=og.likes&wt_mc=x"):
        assert canonical_url(variant) == base
    assert canonical_url(base + "?page=2") == base + "?page=2"     # a real parameter stays


def brute_force(new: list[Headline]) -> dict[str, str]:
    """The rule without blocking: the story of the earliest earlier headline that matches."""
    done: list[tuple[frozenset[str], datetime, str]] = []
    out = {}
    for h in sorted(new, key=lambda h: (h.at, h.key)):
        tokens = title_tokens(h.title)
        story = next((s for t, at, s in done
                      if abs(at - h.at) <= WINDOW and same_story(tokens, t)), h.key)
        out[h.key] = story
        done.append((tokens, h.at, story))
    return out


def test_the_index_finds_what_comparing_every_pair_finds() -> None:
    # near-duplicates one word apart, spread over three weeks so that many pairs fall just
    # inside or just outside the window and across the index's time stretches
    rnd = random.Random(11)
    words = [f"w{i}" for i in range(400)]
    new: list[Headline] = []
    for i in range(1500):
        at = NOW + timedelta(minutes=rnd.randrange(21 * 24 * 60))
        if new and rnd.random() < 0.4:
            base = rnd.choice(new).title.split()
            if rnd.random() < 0.5:
                base[rnd.randrange(len(base))] = rnd.choice(words)    # one word changed
            else:
                base.insert(rnd.randrange(len(base)), rnd.choice(words))  # one word more
            title = " ".join(base)
        else:
            title = " ".join(rnd.sample(words, rnd.randrange(5, 10)))
        new.append(Headline(f"k{i}", title, at))
    got = assign_stories(new, [])
    assert got == brute_force(new)
    assert len(set(got.values())) < 1400          # the test has matches to find


def test_storyteller_process_agrees_and_survives_being_killed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal

    from trends.collect.ingest_job import RunStories, process_pool

    rnd = random.Random(5)
    words = [f"w{i}" for i in range(300)]
    first = [Headline(f"a{i}", " ".join(rnd.sample(words, 7)), NOW + timedelta(minutes=i))
             for i in range(300)]
    again = [h._replace(key="b" + h.key[1:], at=h.at + timedelta(hours=1)) for h in first]
    with open_warehouse(tmp_path / "w.duckdb") as con:
        local = RunStories(con, NOW)
        pool = process_pool(1)
        try:
            told = RunStories(con, NOW, pool)
            assert told.submit(first)() == local.submit(first)()
            # the storyteller dies between batches
            os.kill(pool.submit(os.getpid).result(), signal.SIGKILL)
            stories = told.submit(again)()
        finally:
            pool.shutdown(wait=True)
    assert told.storyteller is None               # it noticed, and rebuilt the index here
    assert stories == local.submit(again)() == {f"b{i}": f"a{i}" for i in range(300)}
