"""The starter trends.toml that `trends init` writes: real Indonesian sources, two clients."""

__all__ = ["STARTER_CONFIG"]

STARTER_CONFIG = '''\
# trends configuration. Secrets (SLACK_BOT_TOKEN) come from the environment, never from here.

[warehouse]
path = "data/trends.duckdb"        # relative to this file

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
language = "id"

[[sources]]
name = "Antara terkini"
kind = "rss"
url = "https://www.antaranews.com/rss/terkini.xml"
language = "id"

[[sources]]
name = "CNN Indonesia nasional"
kind = "rss"
url = "https://www.cnnindonesia.com/nasional/rss"
language = "id"

[[sources]]
name = "CNBC Indonesia"
kind = "rss"
url = "https://www.cnbcindonesia.com/news/rss"
language = "id"

[[sources]]
name = "Tempo nasional"
kind = "rss"
url = "https://rss.tempo.co/nasional"
language = "id"

[[sources]]
name = "r/indonesia"
kind = "reddit"
url = "https://www.reddit.com/r/indonesia/.rss"
every = "1h"

[[clients]]
id = "kopi-nusantara"
name = "Kopi Nusantara"
languages = ["id"]
keywords = ["kopi", "ngopi", "kafe", "barista", "nobar"]
exclude = ["bencana", "banjir", "korban", "tewas", "kecelakaan"]
channel = "#kopi-nusantara"
timezone = "Asia/Jakarta"
digest_time = "08:00"
tone = "soft_sell"

[[clients]]
id = "layar-emas"
name = "Layar Emas TV"
languages = ["id", "en"]
keywords = ["siaran langsung", "nonton", "film", "timnas", "live", "football"]
exclude = ["bencana", "banjir", "korban", "disaster", "flood", "victims"]
channel = "#layar-emas"
timezone = "Asia/Hong_Kong"
digest_time = "09:00"
tone = "mixed"
'''
