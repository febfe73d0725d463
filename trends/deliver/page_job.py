"""`trends report --html DIR`: a static page per client with charts of its top topics and the
day's ideas, plus an index. Self-contained (inline CSS and SVG, no script, no remote asset), so
it opens offline from the file system; every piece of feed text is HTML-escaped and only
http(s) links become links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from pathlib import Path

import duckdb

from trends.collect.normalize import safe_link, utcnow
from trends.config import ClientConfig, Config
from trends.deliver.blocks import format_date
from trends.deliver.charts import COLORS, sparkline_svg
from trends.deliver.digest_job import build_digest
from trends.deliver.render import topics_of
from warehouse import deliver as sql

__all__ = ["CHART_DAYS", "TOP_TOPICS", "Page", "render_page", "write_reports"]

TOP_TOPICS = 8
CHART_DAYS = 7

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1c1d;
background:#f8f8f8}
main{max-width:1080px;margin:0 auto;padding:24px}
header h1{margin:0 0 4px;font-size:26px}
header p{margin:0;color:#616061}
section{background:#fff;border:1px solid #e1e1e1;border-radius:8px;padding:16px 20px;margin:18px 0}
h2{font-size:18px;margin:0 0 12px}
table{border-collapse:collapse;width:100%}
td,th{padding:6px 8px;white-space:normal;text-align:left;border-bottom:1px solid #eee;
vertical-align:middle}
th{white-space:nowrap;font-size:12px;text-transform:uppercase;color:#616061;letter-spacing:.04em}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.state{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#eef}
.state.rising,.state.new{background:#e3f6ec;color:#0b6b3a}
.state.peaking{background:#fff2d6;color:#8a5a00}
.state.fading{background:#f0f0f0;color:#666}
.state.steady{background:#eef3f8;color:#456}
.idea{border-top:1px solid #eee;padding:10px 0}
.idea:first-of-type{border-top:0}
.lang{font-weight:600;font-size:12px;color:#1264a3}
.hook{font-weight:600;margin:4px 0}
.tags{color:#1264a3;font-size:13px}
.why{color:#616061;font-size:13px}
.warning{color:#a0360b;font-size:13px}
ul.sources{margin:6px 0 0;padding-left:18px;font-size:13px}
.empty{color:#616061;font-style:italic}
footer{color:#888;font-size:12px;margin:24px 0}
"""


@dataclass(slots=True)
class Page:
    client_id: str
    path: Path


def write_reports(con: duckdb.DuckDBPyConnection, config: Config, directory: Path, *,
                  day: date | None = None, now: datetime | None = None,
                  client_id: str | None = None) -> list[Path]:
    """Write DIR/<client>.html for each client (or one) and DIR/index.html; return the paths."""
    now = now or utcnow()
    directory.mkdir(parents=True, exist_ok=True)
    clients = [config.client(client_id)] if client_id else list(config.clients)
    pages = []
    for client in clients:
        the_day = day or client.local_day(now)
        path = directory / f"{client.id}.html"
        path.write_text(render_page(con, client, the_day, now), encoding="utf-8")
        pages.append(Page(client.id, path))
    index = directory / "index.html"
    items = "".join(f'<li><a href="{escape(p.path.name)}">{escape(c.name)}</a></li>'
                    for p, c in zip(pages, clients))
    index.write_text(_html("trends: clients", f"<header><h1>trends</h1><p>Reports of "
                                              f"{now:%Y-%m-%d %H:%M} UTC</p></header>"
                                              f"<section><ul>{items}</ul></section>"),
                     encoding="utf-8")
    return [p.path for p in pages] + [index]


def render_page(con: duckdb.DuckDBPyConnection, client: ClientConfig, day: date,
                now: datetime) -> str:
    """One client's page: top topics with a sparkline each, then the day's ideas."""
    digest = build_digest(con, client, day, now)
    top = sql.top_topics(con, client.id, TOP_TOPICS)
    counts = sql.daily_mentions(con, [str(t["topic_key"]) for t in top], client.timezone, day,
                                CHART_DAYS)
    rows = []
    for i, t in enumerate(top):
        series = counts[str(t["topic_key"])]
        label = str(t["label"])
        chart = sparkline_svg(series, color=COLORS[i % len(COLORS)],
                              label=f"{label}: mentions per day, last {CHART_DAYS} days: "
                                    + ", ".join(map(str, series)))
        state = escape(str(t["state"]))
        rows.append(f'<tr><td>{i + 1}</td><td><strong>{escape(label)}</strong>'
                    f'<div class="why">{escape(str(t["reason"]))}</div></td>'
                    f'<td><span class="state {state}">{state}</span></td>'
                    f'<td class="num">{float(t["score"]):.2f}</td>'
                    f'<td class="num">{int(t["mentions"])}</td><td>{chart}</td></tr>')
    topics_html = (
        "<table><thead><tr><th>#</th><th>Topic</th><th>State</th><th>Score</th>"
        f"<th>24 h</th><th>Last {CHART_DAYS} days</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table>") if rows else \
        '<p class="empty">No scored topic for this client yet: run <code>trends score</code>.</p>'
    ideas = []
    for n, topic in enumerate(topics_of(digest), start=1):
        parts = [f"<h3>{n}. {escape(topic.label)} <small class=\"why\">"
                 f"{escape(' / '.join(topic.urgencies))}</small></h3>"]
        if topic.why:
            parts.append(f'<div class="why">{escape(topic.why)}</div>')
        for idea in topic.ideas:
            tags = escape(" ".join(idea.hashtags))
            warning = idea.warning
            parts.append(
                f'<div class="idea"><span class="lang">[{escape(idea.language.upper())}] '
                f'{escape(idea.platform)} · {escape(idea.angle.replace("_", " "))}</span>'
                f'<div class="hook">{escape(idea.hook)}</div><div>{escape(idea.caption)}</div>'
                + (f'<div class="tags">{tags}</div>' if tags else "")
                + (f'<div class="warning">{escape(warning)}</div>' if warning else "")
                + "</div>")
        if topic.articles:
            links = []
            for s in topic.articles:
                url = safe_link(s.url)
                title = escape(s.title) or "link"
                link = (f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{title}</a>'
                        if url else title)
                links.append(f"<li>{link} <span class=\"why\">({escape(s.source)})</span></li>")
            parts.append('<ul class="sources">' + "".join(links) + "</ul>")
        ideas.append("<article>" + "".join(parts) + "</article>")
    ideas_html = "".join(ideas) or '<p class="empty">No post ideas for this day.</p>'
    moments = digest.moments
    moments_html = ""
    if moments:
        moments_html = ("<section><h2>Coming up</h2><ul>" + "".join(
            f"<li>{escape(format_date(m.day))}: {escape(m.name)}</li>" for m in moments)
            + "</ul></section>")
    failing = ""
    if digest.failing_sources:
        failing = (f'<p class="warning">Failing sources: '
                   f'{escape(", ".join(digest.failing_sources))}</p>')
    body = (f"<header><h1>{escape(client.name)}</h1><p>{escape(format_date(day))} · "
            f"{escape(client.channel)} · "
            f"{escape(' + '.join(lang.upper() for lang in client.languages))}"
            f"</p>{failing}</header>"
            f"<section><h2>Top topics</h2>{topics_html}</section>"
            f"<section><h2>Today's ideas</h2>{ideas_html}</section>{moments_html}"
            f"<footer>Generated {now:%Y-%m-%d %H:%M} UTC by trends. Mentions per day are "
            f"counted in {escape(client.timezone)}.</footer>")
    return _html(f"{client.name} · {format_date(day)}", body)


def _html(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            # No network at all: nothing on this page may load from anywhere.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
            f"<body><main>{body}</main></body></html>\n")
