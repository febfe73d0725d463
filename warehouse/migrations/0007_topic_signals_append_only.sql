-- Topic signals without their primary key: each scoring run appends its rows.
--
-- A run after an ingest writes some hundred thousand signals, and the key's index on
-- (as_of, topic_key) made that insert cost more than computing them (every row checked and
-- added to an index that grows by a run's rows each time), and held ever more memory. No query
-- reads through it. A (run, topic) pair is still stored once: save_signals deletes the run's
-- rows before inserting its signals, one row per scored topic, in the transaction of the run.
--
-- DuckDB cannot drop a primary key in place, so the table is copied, in its stored order. The
-- views that read it (trending_now, 0003) name it, not its storage: they need no change.

CREATE TABLE topic_signals_append_only (
    as_of          TIMESTAMPTZ NOT NULL,
    topic_key      VARCHAR NOT NULL,
    label          VARCHAR NOT NULL,
    mentions       INTEGER NOT NULL,       -- items in the recent window
    baseline       DOUBLE NOT NULL,        -- items per window over the previous days
    velocity       DOUBLE NOT NULL,        -- (mentions + 1) / (baseline + 1)
    breadth        INTEGER NOT NULL,       -- distinct sources in the recent window
    volume         DOUBLE NOT NULL,        -- platform volume, normalized 0..1
    freshness      DOUBLE NOT NULL,        -- 0..1, halves every half-life since first seen
    first_seen_at  TIMESTAMPTZ NOT NULL,
    state          VARCHAR NOT NULL,       -- new | rising | peaking | fading
    trend          DOUBLE NOT NULL,        -- 0..1 overall strength
    kind           VARCHAR,                -- hashtag | name | phrase | query
    platforms      INTEGER,                -- distinct source kinds, recent window
    spike          BOOLEAN,                -- recent window above mean + k·sd
    zscore         DOUBLE,                 -- (recent - mean) / sd of the buckets before
    peak_at        TIMESTAMPTZ,            -- end of the bucket of its last peak
    posting_window VARCHAR,                -- "rising: post today", "peaked yesterday: skip"
    story_key      VARCHAR,                -- the story it was clustered into
    story_label    VARCHAR                 -- that story's label
);
INSERT INTO topic_signals_append_only
SELECT as_of, topic_key, label, mentions, baseline, velocity, breadth, volume, freshness,
       first_seen_at, state, trend, kind, platforms, spike, zscore, peak_at, posting_window,
       story_key, story_label
FROM topic_signals;
DROP TABLE topic_signals;
ALTER TABLE topic_signals_append_only RENAME TO topic_signals;
