-- Stories and cheaper warm fetches.
--
-- items.story_key groups near-duplicate headlines from different sources (the same story from
-- Kompas, Detik and Antara) under the key of the story's first item; see trends/dedup.py.
-- item_sources records every source that carried an item, including the ones whose copy was
-- dropped because another source brought the same canonical link first.
-- sources.body_sha1 lets a feed that answers 200 with the very same bytes skip parsing.

ALTER TABLE items ADD COLUMN story_key VARCHAR;
UPDATE items SET story_key = key;

ALTER TABLE sources ADD COLUMN body_sha1 VARCHAR;

CREATE TABLE item_sources (
    item_key      VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,    -- fetch (or replay) time it was first seen there
    PRIMARY KEY (item_key, source)
);
INSERT INTO item_sources SELECT key, source, fetched_at FROM items;

-- One row per story and source that carried it: the source's first item of the story.
CREATE VIEW story_sources AS
SELECT coalesce(i.story_key, i.key) AS story_key,
       s.source,
       arg_min(i.key, i.event_at)    AS item_key,
       arg_min(i.title, i.event_at)  AS title,
       arg_min(i.url, i.event_at)    AS url,
       min(i.event_at)               AS event_at
FROM items i JOIN item_sources s ON s.item_key = i.key
GROUP BY 1, 2;

-- One row per story: its first headline, how many items and sources carry it, and when.
CREATE VIEW stories AS
SELECT coalesce(i.story_key, i.key)          AS story_key,
       arg_min(i.title, i.event_at)          AS title,
       arg_min(i.url, i.event_at)            AS url,
       count(DISTINCT i.key)                 AS items,
       count(DISTINCT s.source)              AS sources,
       list(DISTINCT s.source ORDER BY s.source) AS source_names,
       min(i.event_at)                       AS first_event_at,
       max(i.event_at)                       AS last_event_at
FROM items i JOIN item_sources s ON s.item_key = i.key
GROUP BY 1;
