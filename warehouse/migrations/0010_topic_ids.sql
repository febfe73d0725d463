-- Topics get an integer id, and mentions are stored against it: `topic_mentions`. The view
-- `mentions` keeps the columns analysts knew (topic_key, item_key, source, event_at).
--
-- Every scoring run groups two days of mentions by topic and joins five more days of them to
-- its candidates: some six million rows after a 10,000-item ingest. Keyed by a string (the
-- normalized topic, often several words), hashing and comparing the keys cost a third of that
-- query; keyed by an integer they cost little, and the stored mentions shrink.
--
-- Ids are dense, in the order topics were first seen; save_mentions numbers new topics after
-- the largest id, in its batch's transaction, and one process writes the warehouse at a time
-- (the writer lock), so each id is given once.

CREATE TABLE topics_with_id (
    id            INTEGER NOT NULL,
    key           VARCHAR NOT NULL,        -- normalized: "timnas indonesia"
    label         VARCHAR NOT NULL,        -- as people wrote it: "Timnas Indonesia"
    kind          VARCHAR NOT NULL,        -- hashtag | name | phrase | query
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL
);
INSERT INTO topics_with_id
SELECT row_number() OVER (ORDER BY first_seen_at, key), key, label, kind, first_seen_at,
       last_seen_at
FROM topics;
DROP TABLE topics;
ALTER TABLE topics_with_id RENAME TO topics;

CREATE TABLE topic_mentions (
    topic_id INTEGER NOT NULL,             -- topics.id
    item_key VARCHAR NOT NULL,
    source   VARCHAR NOT NULL,
    event_at TIMESTAMPTZ NOT NULL          -- the item's event_at
);
-- In event order, as extraction appends them, so that zone maps skip old row groups.
INSERT INTO topic_mentions
SELECT t.id, m.item_key, m.source, m.event_at
FROM mentions m JOIN topics t ON t.key = m.topic_key
ORDER BY m.event_at;
DROP TABLE mentions;

CREATE VIEW mentions AS
SELECT t.key AS topic_key, m.item_key, m.source, m.event_at
FROM topic_mentions m JOIN topics t ON t.id = m.topic_id;

-- As in 0003, joined by id. The join stays inside each grouping, so that a filter on a topic
-- reaches the mentions (a query about one topic reads its mentions only).
CREATE OR REPLACE VIEW topic_timeline AS
SELECT t.key AS topic_key, t.label, 'hour' AS grain, date_trunc('hour', m.event_at) AS bucket,
       count(*) AS mentions, count(DISTINCT m.source) AS sources
FROM topic_mentions m JOIN topics t ON t.id = m.topic_id
GROUP BY t.key, t.label, date_trunc('hour', m.event_at)
UNION ALL
SELECT t.key AS topic_key, t.label, 'day' AS grain, date_trunc('day', m.event_at) AS bucket,
       count(*) AS mentions, count(DISTINCT m.source) AS sources
FROM topic_mentions m JOIN topics t ON t.id = m.topic_id
GROUP BY t.key, t.label, date_trunc('day', m.event_at);
