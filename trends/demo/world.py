"""The demo's sample world: a week of generated feeds in which a few stories rise and fade.

Everything here is written by code from templates (no real articles are copied): eight
sources (three Indonesian news sites, an English-language Indonesian paper, a Google-Trends
style trend feed, a Reddit-style social feed, an English tech site and an Indonesian shopping
blog), and five stories with a shape over the week:

- Harbolnas 12.12, a shopping festival: quiet, then rising sharply in the last hours;
- Timnas Indonesia vs Arab Saudi, a football match played the evening before: peaking;
- the launch of the (fictional) Nusaphone 12: rumours, then a launch rising now;
- a flood in Bekasi two to three days ago: many stories, now fading; no brand may touch it,
  although its stories mention coffee shops, live coverage and vouchers;
- kopi susu gula aren, a steady coffee trend;

plus background news that does not cluster.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from trends.demo.server import FeedServer

__all__ = ["Article", "DEMO_CLIENTS", "DEMO_CLIENT_IDS", "DemoFeed", "PACIFIC", "SITES",
           "STORIES", "Site", "Story", "World", "build_world", "serve_world"]

DEMO_CLIENT_IDS = ("kopi-nusantara", "layar-emas", "belanja-kilat")
PACIFIC = ZoneInfo("America/Los_Angeles")


@dataclass(frozen=True, slots=True)
class DemoFeed:
    name: str
    kind: str                  # config source kind
    language: str | None
    body: bytes
    content_type: str


@dataclass(slots=True)
class Article:
    source: str
    title: str
    summary: str
    at: datetime
    story: str


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    path: str
    domain: str
    kind: str
    language: str
    fmt: str                   # rss | atom | trends


SITES = (
    Site("Warta Nusantara", "/wartanusantara/rss.xml", "wartanusantara.example", "rss", "id",
         "rss"),
    Site("Kabar Kini", "/kabarkini/atom.xml", "kabarkini.example", "rss", "id", "atom"),
    Site("Berita Satu Jam", "/beritasatujam/rss.xml", "beritasatujam.example", "rss", "id", "rss"),
    Site("Jakarta Daily Post", "/jakartadailypost/rss.xml", "jakartadailypost.example", "rss",
         "en", "rss"),
    Site("Google Trends ID", "/trends/rss?geo=ID", "trends.example", "google_trends", "id",
         "trends"),
    Site("r/indonesia", "/r/indonesia/.rss", "social.example", "reddit", "id", "atom"),
    Site("Tekno Asia", "/teknoasia/feed.xml", "teknoasia.example", "rss", "en", "rss"),
    Site("Gaya Belanja", "/gayabelanja/rss.xml", "gayabelanja.example", "rss", "id", "rss"),
)
_ID_NEWS = ("Warta Nusantara", "Kabar Kini", "Berita Satu Jam")


@dataclass(frozen=True, slots=True)
class Story:
    """A story's shape: items per day from 6 days ago to yesterday, then the last 24 hours
    split into its older and newer half; and which sites tell it, in which language."""

    key: str
    days: tuple[int, int, int, int, int, int]
    last_day: tuple[int, int]
    sites: tuple[str, ...]
    id_titles: tuple[str, ...]
    id_summaries: tuple[str, ...]
    en_titles: tuple[str, ...] = ()
    en_summaries: tuple[str, ...] = ()
    social: tuple[str, ...] = ()
    trend_queries: tuple[tuple[str, str, int], ...] = ()   # (query, traffic, day offset)
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)


STORIES = (
    Story(
        key="harbolnas",
        days=(0, 0, 1, 1, 1, 2), last_day=(3, 9),
        sites=("Warta Nusantara", "Kabar Kini", "Berita Satu Jam", "Gaya Belanja",
               "Jakarta Daily Post", "r/indonesia"),
        id_titles=(
            "Harbolnas 12.12 Dimulai, Flash Sale {shop} Diserbu Pembeli",
            "Jelang Harbolnas 12.12, {shop} Siapkan Diskon hingga {pct} Persen",
            "Tips Belanja Online Saat Harbolnas 12.12 agar Tidak Kalap",
            "Gratis Ongkir dan Voucher Cashback Warnai Harbolnas 12.12",
            "Transaksi Harbolnas 12.12 Diprediksi Tembus Rp {n} Triliun",
            "Harbolnas 12.12: Daftar Promo {cat} yang Paling Dicari",
            "Pedagang UMKM Kebanjiran Pesanan di Harbolnas 12.12",
            "Harbolnas 12.12, Kurir {shop} Tambah Armada Pengiriman",
        ),
        id_summaries=(
            ("Promo flash sale tengah malam membuat belanja online melonjak; diskon {cat} jadi "
             "incaran."),
            "Pembeli berburu voucher gratis ongkir dan diskon {pct} persen untuk produk {cat}.",
            "<p>Checkout sebelum kuota habis: promo <b>Harbolnas 12.12</b> berlaku terbatas.</p>",
        ),
        en_titles=("Harbolnas 12.12: Indonesian shoppers rush to online flash sales",
                   "12.12 Harbolnas sale expected to top Rp {n} trillion in transactions"),
        en_summaries=("E-commerce platforms offer discounts of up to {pct} percent and free "
                      "shipping vouchers for the national online shopping day.",),
        social=("yg mau checkout harbolnas 12.12 jam 12 malem, jangan lupa voucher gratis ongkir",
                "harbolnas 12.12 tahun ini diskonnya gede bgt gak sih?",
                "wishlist harbolnas 12.12 udah penuh, tinggal nunggu flash sale"),
        trend_queries=(("harbolnas 12.12", "200.000+", 0), ("promo harbolnas", "50.000+", 0),
                       ("harbolnas 12.12", "20.000+", 1)),
        slots={"shop": ("TokoKita", "BelanjaYuk", "PasarDigital", "KlikMart"),
               "pct": ("50", "70", "80", "90"), "n": ("25", "30", "31"),
               "cat": ("elektronik", "fashion", "skincare", "gadget", "perabot")},
    ),
    Story(
        key="timnas",
        days=(0, 1, 1, 2, 2, 3), last_day=(8, 5),
        sites=("Warta Nusantara", "Kabar Kini", "Berita Satu Jam", "Jakarta Daily Post",
               "r/indonesia"),
        id_titles=(
            "Timnas Indonesia vs Arab Saudi: {player} Cetak Gol Penentu",
            "Jadwal Siaran Langsung Timnas Indonesia vs Arab Saudi Malam Ini",
            "Nobar Timnas Indonesia vs Arab Saudi Ramai di Kedai Kopi {city}",
            "Pelatih Timnas Indonesia Puji Mental Pemain Usai Lawan Arab Saudi",
            "Tiket Timnas Indonesia vs Arab Saudi di GBK Ludes Terjual",
            "Klasemen Grup Usai Timnas Indonesia Tundukkan Arab Saudi",
            "Suporter Timnas Indonesia Padati GBK, {player} Jadi Sorotan",
        ),
        id_summaries=(
            ("Laga Timnas Indonesia vs Arab Saudi disiarkan langsung; warga nobar di kafe dan "
             "kedai kopi."),
            "Ribuan suporter menonton siaran langsung di {city}, banyak yang nobar sambil ngopi.",
            "<p>{player} tampil gemilang. Baca juga: Jadwal Timnas Indonesia berikutnya.</p>",
        ),
        en_titles=("Indonesia vs Saudi Arabia: where to watch the live broadcast tonight",
                   "Timnas Indonesia stun Saudi Arabia as {player} scores late winner",
                   "Football fans pack cafes in {city} to watch Indonesia match live"),
        en_summaries=("The match is shown live on pay-TV and streaming; fans gathered in cafes "
                      "and coffee shops across {city}.",),
        social=("gak sabar nobar timnas indonesia vs arab saudi di kedai kopi deket rumah",
                "ada yg tau link siaran langsung timnas indonesia vs arab saudi?",
                "merinding nonton timnas indonesia semalem, {player} mantap bgt"),
        trend_queries=(("timnas indonesia vs arab saudi", "500.000+", 0),
                       ("timnas indonesia vs arab saudi", "100.000+", 1),
                       ("jadwal timnas indonesia", "50.000+", 2)),
        slots={"player": ("Rizky Ridho", "Marselino Ferdinan", "Ole Romeny", "Jay Idzes"),
               "city": ("Jakarta", "Bandung", "Surabaya", "Yogyakarta", "Medan")},
    ),
    Story(
        key="nusaphone",
        days=(1, 0, 1, 0, 1, 2), last_day=(2, 6),
        sites=("Warta Nusantara", "Berita Satu Jam", "Tekno Asia", "Gaya Belanja",
               "Jakarta Daily Post"),
        id_titles=(
            "Nusaphone 12 Resmi Meluncur di Indonesia, Harga Mulai Rp {price} Juta",
            "Pre-order Nusaphone 12 Dibuka, Ada Flash Sale dan Cashback",
            "Spesifikasi Nusaphone 12: Kamera {mp} MP dan Baterai Jumbo",
            "Bocoran Nusaphone 12 Beredar Jelang Peluncuran",
            "Nusaphone 12 Terjual Habis dalam {min} Menit Saat Flash Sale",
        ),
        id_summaries=(
            "Pre-order Nusaphone 12 tersedia di e-commerce dengan promo cicilan dan diskon.",
            "<p>Nusaphone 12 hadir dengan kamera {mp} MP; pembeli pre-order dapat bonus.</p>",
        ),
        en_titles=("Nusaphone 12 launches in Indonesia with a {mp}MP camera",
                   "Nusaphone 12 pre-orders sell out in {min} minutes",
                   "Hands-on: Nusaphone 12 brings flagship camera to mid-range price"),
        en_summaries=("The Nusaphone 12 starts at Rp {price} million, with pre-orders through "
                      "online marketplaces and flash sale bundles.",),
        trend_queries=(("nusaphone 12", "100.000+", 0), ("harga nusaphone 12", "20.000+", 1)),
        slots={"price": ("4,9", "5,5", "6"), "mp": ("108", "200"), "min": ("3", "5", "7")},
    ),
    Story(
        key="flood",
        days=(0, 0, 2, 5, 5, 3), last_day=(1, 1),
        sites=("Warta Nusantara", "Kabar Kini", "Berita Satu Jam", "Jakarta Daily Post",
               "r/indonesia"),
        id_titles=(
            "Banjir Bekasi: Ribuan Warga Dievakuasi, {n} Korban Dilaporkan",
            "Banjir Bekasi Rendam {n} Kelurahan, Kedai Kopi dan Toko Terendam",
            "Siaran Langsung Evakuasi Korban Banjir Bekasi",
            "Warga Terdampak Banjir Bekasi Terima Voucher Belanja Online dari Donatur",
            "Posko Banjir Bekasi Butuh Bantuan, Relawan Sediakan Kopi untuk Pengungsi",
            "Banjir Bekasi Mulai Surut, Warga Bersihkan Rumah",
        ),
        id_summaries=(
            ("Korban banjir Bekasi dievakuasi ke posko; kedai kopi dan kafe di sekitar kali "
             "ikut terendam."),
            ("Warga ngopi di posko pengungsian sambil menunggu air surut; bantuan dikirim lewat "
             "belanja online."),
            "Tim SAR mengevakuasi korban banjir; siaran langsung memperlihatkan rumah terendam.",
        ),
        en_titles=("Bekasi flood: thousands evacuated as rivers overflow",
                   "Bekasi flood victims receive aid; live coverage shows submerged homes"),
        en_summaries=("Rescue teams evacuated flood victims; cafes and coffee shops near the "
                      "river were submerged.",),
        social=("turut berduka utk korban banjir bekasi, ada yg buka donasi?",
                "kedai kopi langganan gw kena banjir bekasi, sedih bgt"),
        trend_queries=(("banjir bekasi", "200.000+", 3), ("banjir bekasi", "100.000+", 2)),
        slots={"n": ("12", "15", "20", "23")},
    ),
    Story(
        key="kopi",
        days=(1, 1, 1, 1, 1, 1), last_day=(1, 2),
        sites=("Warta Nusantara", "Gaya Belanja", "Kabar Kini", "r/indonesia"),
        id_titles=(
            "Tren Kopi Susu Gula Aren Masih Jadi Favorit Anak Muda",
            "Kopi Susu Gula Aren Kekinian, Barista Bagikan Resep Rahasia",
            "Harga Kopi Arabika Naik, Kedai Kopi Putar Otak",
            "Kedai Kopi Lokal Tumbuh Pesat di {city}",
        ),
        id_summaries=(
            ("Barista di {city} bilang kopi susu gula aren tetap laris; pelanggan ngopi sambil "
             "kerja."),
            "<p>Kedai kopi lokal bersaing lewat menu kopi susu gula aren dan promo pagi.</p>",
        ),
        social=("rekomendasi kopi susu gula aren yg enak di {city} dong #KopiSusuGulaAren",
                "ngopi sore dulu, #KopiSusuGulaAren tetap juara"),
        slots={"city": ("Jakarta", "Bandung", "Malang", "Makassar")},
    ),
)

# Background news: one-off stories that should not trend.
_NOISE_ID = (
    "Bank Indonesia Tahan Suku Bunga di Level {pct} Persen",
    "Harga Emas Antam Hari Ini Naik Rp {k}.000 per Gram",
    "Menteri Resmikan Jalan Tol Baru di {prov}",
    "Jadwal KRL Akhir Pekan Berubah, Penumpang Diminta Cek Aplikasi",
    "DPR Bahas Revisi Undang-Undang {law}",
    "Penyanyi {artist} Rilis Single Baru Bertema Persahabatan",
    "Pemerintah Salurkan Bantuan Pangan untuk {k}0 Ribu Keluarga",
    "Harga Cabai di {prov} Turun Jelang Akhir Pekan",
    "Kereta Cepat Catat Rekor Penumpang Bulan Ini",
    "Sekolah di {prov} Uji Coba Kurikulum Baru",
    "Rupiah Menguat ke Level Rp 15.{k}00 per Dolar AS",
    "Festival Budaya {prov} Tampilkan Tari Tradisional",
)
_NOISE_EN = (
    "Bank Indonesia holds rates at {pct} percent",
    "New toll road opens in {prov}",
    "Rupiah strengthens against the US dollar",
    "Government expands food aid programme to {k}0,000 families",
    "Startup from {prov} raises seed funding for logistics app",
    "Cloud providers expand data centres in Indonesia",
)
_NOISE_SLOTS = {"pct": ("5,75", "6", "6,25"), "k": ("2", "3", "4", "5", "6", "7"),
                "prov": ("Sumatera Utara", "Jawa Tengah", "Kalimantan Timur", "Bali",
                         "Sulawesi Selatan", "Papua"),
                "law": ("Penyiaran", "Perampasan Aset", "KUHAP"),
                "artist": ("Raisa", "Tulus", "Nadin Amizah")}


@dataclass(slots=True)
class World:
    now: datetime
    feeds: dict[str, DemoFeed]
    articles: list[Article]

    def config_toml(self, base_url: str, warehouse_path: str = "trends.duckdb") -> str:
        """A trends.toml for this world served at `base_url`, with the three demo clients."""
        lines = ["# The demo world: generated feeds served on 127.0.0.1 by `trends demo`.",
                 "", "[warehouse]", f'path = "{warehouse_path}"', ""]
        for site in SITES:
            lines += ["[[sources]]", f'name = "{site.name}"', f'kind = "{site.kind}"',
                      f'url = "{base_url.rstrip("/")}{site.path}"', f'language = "{site.language}"',
                      'every = "15m"', ""]
        return "\n".join(lines) + DEMO_CLIENTS


DEMO_CLIENTS = '''
[[clients]]
id = "kopi-nusantara"
name = "Kopi Nusantara"
languages = ["id"]
keywords = ["kopi", "ngopi", "kafe", "barista", "gula aren",
            {term = "kedai kopi", weight = 1.5, synonyms = ["coffee shop", "warkop"]}]
audience = ["nobar", "timnas", "mahasiswa", "kerja remote"]
exclude = ["banjir", "korban", "bencana", "evakuasi", "tewas", "meninggal"]
policy = "avoid"
dates = [{name = "Ulang tahun Kopi Nusantara", date = "12-01", keywords = ["ulang tahun"]}]
channel = "#kopi-nusantara"
timezone = "Asia/Jakarta"
digest_time = "08:00"
tone = "soft_sell"
hashtags = ["#KopiNusantara"]

[[clients]]
id = "layar-emas"
name = "Layar Emas TV"
languages = ["id", "en"]
keywords = ["nonton", "timnas", "broadcast", "streaming", "televisi",
            {term = "siaran langsung", synonyms = ["disiarkan langsung", "live broadcast"]},
            {term = "film", synonyms = ["bioskop", "cinema", "movie"]},
            {term = "live", weight = 0.5}]
audience = ["football", "match", "sepak bola", "liga", "konser", "serial"]
exclude = ["banjir", "flood", "korban", "victims", "bencana", "disaster", "evakuasi",
           "evacuated", "evacuation"]
channel = "#layar-emas"
timezone = "Asia/Hong_Kong"
digest_time = "09:00"
tone = "mixed"
hashtags = ["#LayarEmas"]

[[clients]]
id = "belanja-kilat"
name = "BelanjaKilat"
languages = ["id"]
keywords = ["diskon", "promo", "flash sale", "harbolnas", "gratis ongkir", "voucher", "pre-order",
            "checkout", "paylater",
            {term = "belanja online", synonyms = ["e-commerce", "marketplace", "toko online",
                                                   "online shopping"]}]
audience = ["gajian", "gadget", "smartphone", "skincare"]
exclude = ["banjir", "korban", "bencana", "evakuasi", "tewas"]
channel = "#belanja-kilat"
timezone = "Asia/Jakarta"
digest_time = "08:30"
tone = "hard_sell"
hashtags = ["#BelanjaKilat"]
'''


def build_world(now: datetime) -> World:
    """Generate the week ending at `now`. The same stories every time, shifted to end at `now`,
    so that a demo, a test and the README all see the same world."""
    now = now.astimezone(UTC).replace(second=0, microsecond=0)
    rng = random.Random(20261212)
    articles: list[Article] = []
    for story in STORIES:
        articles += _story_articles(story, now, rng)
    articles += _noise(now, rng)
    feeds = {}
    for site in SITES:
        own = sorted((a for a in articles if a.source == site.name), key=lambda a: a.at,
                     reverse=True)
        if site.fmt == "trends":
            body = _trends_xml(site, _trend_items(now, rng))
            ctype = "application/rss+xml; charset=utf-8"
        elif site.fmt == "atom":
            body, ctype = _atom(site, own, now), "application/atom+xml; charset=utf-8"
        else:
            body, ctype = _rss(site, own, now), "application/rss+xml; charset=utf-8"
        feeds[site.path] = DemoFeed(site.name, site.kind, site.language, body, ctype)
    return World(now=now, feeds=feeds, articles=articles)


def serve_world(world: World) -> FeedServer:
    """A started FeedServer serving every feed of the world (use it as a context manager)."""
    server = FeedServer()
    for path, feed in world.feeds.items():
        server.add(path, feed.body, content_type=feed.content_type)
    return server.start()


def _story_articles(story: Story, now: datetime, rng: random.Random) -> list[Article]:
    out: list[Article] = []
    # (count, window start hours ago, window end hours ago)
    windows: list[tuple[int, float, float]] = [(n, 24 * (7 - i), 24 * (6 - i))
                                               for i, n in enumerate(story.days)]
    windows += [(story.last_day[0], 24, 12), (story.last_day[1], 12, 0.5)]
    order = 0
    for count, start, end in windows:
        for _ in range(count):
            site = story.sites[order % len(story.sites)]
            order += 1
            at = now - timedelta(hours=rng.uniform(end, start))
            out.append(_article(story, site, at, rng))
    return out


def _article(story: Story, site: str, at: datetime, rng: random.Random) -> Article:
    fill: Callable[[str], str] = lambda t: _fill(t, story.slots, rng)  # noqa: E731
    lang = next(s.language for s in SITES if s.name == site)
    if site == "r/indonesia" and story.social:
        title = fill(rng.choice(story.social))
        return Article(site, title, title, at, story.key)
    if lang == "en" and story.en_titles:
        return Article(site, fill(rng.choice(story.en_titles)),
                       fill(rng.choice(story.en_summaries)), at, story.key)
    return Article(site, fill(rng.choice(story.id_titles)), fill(rng.choice(story.id_summaries)),
                   at, story.key)


def _noise(now: datetime, rng: random.Random) -> list[Article]:
    out = []
    for site in SITES:
        if site.fmt == "trends":
            continue
        pool = _NOISE_EN if site.language == "en" else _NOISE_ID
        for _ in range(14 if site.name in _ID_NEWS else 8):
            at = now - timedelta(hours=rng.uniform(0.5, 24 * 7))
            title = _fill(rng.choice(pool), _NOISE_SLOTS, rng)
            # Headline only, as many busy feeds publish: a shared boilerplate summary would
            # itself become a "trend".
            out.append(Article(site.name, title, "", at, "noise"))
    return out


def _fill(template: str, slots: dict[str, tuple[str, ...]], rng: random.Random) -> str:
    values = {k: rng.choice(v) for k, v in slots.items()}
    return template.format(**values) if "{" in template else template


def _trend_items(now: datetime,
                 rng: random.Random) -> list[tuple[str, str, datetime, list[Article]]]:
    items = []
    for story in STORIES:
        for query, traffic, day in story.trend_queries:
            at = now - timedelta(hours=24 * day + rng.uniform(1, 10))
            news = [_article(story, rng.choice(_ID_NEWS), at, rng) for _ in range(3)]
            items.append((query, traffic, at, news))
    for query, traffic in (("jadwal krl", "10.000+"), ("harga emas antam", "20.000+")):
        at = now - timedelta(hours=rng.uniform(2, 30))
        items.append((query, traffic, at, []))
    return sorted(items, key=lambda i: i[2], reverse=True)


def _link(site: Site, a: Article, i: int) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in a.title.lower())[:60].strip("-")
    return f"https://{site.domain}/{a.story}/{slug}-{int(a.at.timestamp()) % 100000}{i}"


def _rss(site: Site, articles: Sequence[Article], now: datetime) -> bytes:
    items = []
    for i, a in enumerate(articles):
        link = _link(site, a, i)
        items.append(
            f"<item><title>{escape(a.title)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="true">{escape(link)}</guid>'
            f"<pubDate>{format_datetime(a.at)}</pubDate>"
            f"<description>{escape(a.summary)}</description></item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(site.name)}</title><link>https://{site.domain}/</link>"
            f"<description>{escape(site.name)}</description><language>{site.language}</language>"
            f"<lastBuildDate>{format_datetime(now)}</lastBuildDate>{''.join(items)}"
            f"</channel></rss>").encode()


def _atom(site: Site, articles: Sequence[Article], now: datetime) -> bytes:
    entries = []
    for i, a in enumerate(articles):
        link = _link(site, a, i)
        stamp = a.at.isoformat().replace("+00:00", "Z")
        entries.append(
            f"<entry><title>{escape(a.title)}</title><link href=\"{escape(link)}\"/>"
            f"<id>{escape(link)}</id><updated>{stamp}</updated><published>{stamp}</published>"
            f'<summary type="html">{escape(a.summary)}</summary></entry>')
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            f'xml:lang="{site.language}"><title>{escape(site.name)}</title>'
            f'<id>https://{site.domain}/</id><link href="https://{site.domain}/"/>'
            f"<updated>{now.isoformat().replace('+00:00', 'Z')}</updated>{''.join(entries)}"
            f"</feed>").encode()


def _trends_xml(site: Site, items: Sequence[tuple[str, str, datetime, list[Article]]]) -> bytes:
    feed_url = f"https://{site.domain}{site.path}"
    out = []
    for query, traffic, at, news in items:
        news_xml = "".join(
            f"<ht:news_item><ht:news_item_title>{escape(n.title)}</ht:news_item_title>"
            f"<ht:news_item_snippet>{escape(n.summary)}</ht:news_item_snippet>"
            f"<ht:news_item_url>{escape(_link(_site(n.source), n, j))}</ht:news_item_url>"
            f"<ht:news_item_source>{escape(n.source)}</ht:news_item_source></ht:news_item>"
            for j, n in enumerate(news))
        out.append(
            f"<item><title>{escape(query)}</title><ht:approx_traffic>{traffic}</ht:approx_traffic>"
            f"<description/><link>{escape(feed_url)}</link>"
            f"<pubDate>{format_datetime(at.astimezone(PACIFIC))}</pubDate>{news_xml}</item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<rss xmlns:atom="http://www.w3.org/2005/Atom" '
            f'xmlns:ht="https://trends.google.com/trending/rss" version="2.0"><channel>'
            f"<title>Daily Search Trends</title><description>Recent searches</description>"
            f"<link>{escape(feed_url)}</link>{''.join(out)}</channel></rss>").encode()


def _site(name: str) -> Site:
    return next(s for s in SITES if s.name == name)
