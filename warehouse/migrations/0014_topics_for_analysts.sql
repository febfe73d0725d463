-- Topics for analysts, candidates under their own name.
--
-- Until now `topics`, `topic_mentions`, `topic_signals` and `topic_timeline` held every phrase
-- candidate, so "what rose fastest this week" over them returned fragments ("Indonesia vs
-- Arab", "Online Saat Harbolnas") unless one knew to keep `story_key = topic_key`. The names
-- now say what the rows are:
--
--   candidates           (was topics)          every phrase, name, hashtag and query found
--   mentions             (was topic_mentions)  which items mention which candidate, by id;
--                                              the old view of that name is gone (join
--                                              candidates on candidate_id)
--   candidate_signals    (was topic_signals)   every candidate's signal per scoring run;
--                                              topic_key / topic_label (were story_key /
--                                              story_label) name the topic it was merged into
--   candidate_timeline   (was topic_timeline)  mentions per candidate and hour or day
--
-- and `topic_signals` is new: one row per topic (candidates about the same items, under the
-- label an officer can name) per scoring run, the topics a run showed, ranked. Topics whose
-- candidates are all generic, too broad or fragments are not stored: they are not shown.
-- `trending_now` is the topics of the run that finished last (not the latest `as_of`), so
-- `trends score --as-of` on an earlier day shows that day.
--
-- Views name tables by name: every view over a renamed table is dropped first and made again.

DROP VIEW IF EXISTS trending_now;
DROP VIEW IF EXISTS topic_timeline;
DROP VIEW IF EXISTS mentions;

ALTER TABLE topics RENAME TO candidates;
ALTER TABLE topic_mentions RENAME TO mentions;
ALTER TABLE mentions RENAME COLUMN topic_id TO candidate_id;
ALTER TABLE topic_signals RENAME TO candidate_signals;
ALTER TABLE candidate_signals RENAME COLUMN topic_key TO candidate_key;
ALTER TABLE candidate_signals RENAME COLUMN story_key TO topic_key;
ALTER TABLE candidate_signals RENAME COLUMN story_label TO topic_label;

CREATE TABLE topic_signals (
    as_of            TIMESTAMPTZ NOT NULL,    -- the scoring run (scoring_runs.as_of)
    rank             INTEGER NOT NULL,        -- 1 = strongest topic of the run
    topic_key        VARCHAR NOT NULL,        -- the naming candidate's key
    label            VARCHAR NOT NULL,        -- what an officer would search for
    kind             VARCHAR NOT NULL,        -- the naming candidate's: query | hashtag | name | phrase
    state            VARCHAR NOT NULL,        -- new | rising | peaking | steady | fading
    posting_window   VARCHAR NOT NULL,        -- "rising: post today", "peaked yesterday: skip"
    trend            DOUBLE NOT NULL,         -- 0..1, its strongest candidate's
    mentions         INTEGER NOT NULL,        -- items in the recent window (its best-covered candidate)
    baseline         DOUBLE NOT NULL,         -- items per window before, of the naming candidate
    velocity         DOUBLE NOT NULL,         -- (mentions + 1) / (baseline + 1), of the naming candidate
    breadth          INTEGER NOT NULL,        -- distinct sources, recent window
    platforms        INTEGER NOT NULL,        -- distinct source kinds, recent window
    volume           DOUBLE NOT NULL,         -- platform volume, 0..1
    freshness        DOUBLE NOT NULL,         -- 0..1, halves every half-life since first seen
    spike            BOOLEAN NOT NULL,        -- the recent window passed the spike test
    zscore           DOUBLE,
    first_seen_at    TIMESTAMPTZ NOT NULL,    -- first mention of its oldest main candidate
    peak_at          TIMESTAMPTZ,             -- end of the bucket of its last peak
    candidates       INTEGER NOT NULL,        -- candidates merged into it
    candidate_labels VARCHAR[] NOT NULL       -- their labels, strongest first
);

-- Runs scored before this migration: their clustered candidates, grouped as the old
-- trending_now grouped them (a run's unclustered candidates were never shown as topics).
INSERT INTO topic_signals
WITH grouped AS (
    SELECT as_of, topic_key, max(trend) AS trend, max(mentions) AS mentions,
           max(breadth) AS breadth, max(coalesce(platforms, 1)) AS platforms,
           max(volume) AS volume, count(*) AS candidates,
           list(label ORDER BY trend DESC, candidate_key) AS candidate_labels
    FROM candidate_signals WHERE topic_key IS NOT NULL
    GROUP BY as_of, topic_key
)
SELECT g.as_of, row_number() OVER (PARTITION BY g.as_of ORDER BY g.trend DESC, g.topic_key),
       g.topic_key, coalesce(h.topic_label, h.label), coalesce(h.kind, 'phrase'), h.state,
       coalesce(h.posting_window, ''), g.trend, g.mentions, h.baseline, h.velocity, g.breadth,
       g.platforms, g.volume, h.freshness, coalesce(h.spike, false), h.zscore,
       h.first_seen_at, h.peak_at, g.candidates, g.candidate_labels
FROM grouped g
JOIN candidate_signals h ON h.as_of = g.as_of AND h.candidate_key = g.topic_key;

CREATE VIEW trending_now AS
SELECT t.*
FROM topic_signals t
WHERE t.as_of = (SELECT as_of FROM scoring_runs ORDER BY finished_at DESC, as_of DESC LIMIT 1);

-- As topic_timeline was (0010), per candidate.
CREATE VIEW candidate_timeline AS
SELECT c.key AS candidate_key, c.label, 'hour' AS grain, date_trunc('hour', m.event_at) AS bucket,
       count(*) AS mentions, count(DISTINCT m.source) AS sources
FROM mentions m JOIN candidates c ON c.id = m.candidate_id
GROUP BY c.key, c.label, date_trunc('hour', m.event_at)
UNION ALL
SELECT c.key AS candidate_key, c.label, 'day' AS grain, date_trunc('day', m.event_at) AS bucket,
       count(*) AS mentions, count(DISTINCT m.source) AS sources
FROM mentions m JOIN candidates c ON c.id = m.candidate_id
GROUP BY c.key, c.label, date_trunc('day', m.event_at);

-- Which items mention which candidate, by its key: the old `mentions` view, renamed.
CREATE VIEW candidate_mentions AS
SELECT c.key AS candidate_key, m.item_key, m.source, m.event_at
FROM mentions m JOIN candidates c ON c.id = m.candidate_id;
