-- Trend signals: the spike test, platforms, posting window and stories on topic_signals, and
-- the analysts' views trending_now and topic_timeline (documented in docs/sql.md).

ALTER TABLE topic_signals ADD COLUMN kind VARCHAR;           -- hashtag | name | phrase | query
ALTER TABLE topic_signals ADD COLUMN platforms INTEGER;      -- distinct source kinds, recent window
ALTER TABLE topic_signals ADD COLUMN spike BOOLEAN;          -- recent window above mean + k·sd
ALTER TABLE topic_signals ADD COLUMN zscore DOUBLE;          -- (recent - mean) / sd of the buckets before
ALTER TABLE topic_signals ADD COLUMN peak_at TIMESTAMPTZ;    -- end of the bucket of its last peak
ALTER TABLE topic_signals ADD COLUMN posting_window VARCHAR; -- "rising: post today", "peaked yesterday: skip"
ALTER TABLE topic_signals ADD COLUMN story_key VARCHAR;      -- the story it was clustered into
ALTER TABLE topic_signals ADD COLUMN story_label VARCHAR;    -- that story's label

-- The latest scoring run, one row per story (candidates about the same items merged under the
-- story's label; a topic outside every story is its own). State and posting window are those
-- of the candidate that names the story, trend and counts the largest among its candidates.
CREATE VIEW trending_now AS
WITH latest AS (
    SELECT max(as_of) AS as_of FROM scoring_runs
), s AS (
    SELECT t.*, coalesce(t.story_key, t.topic_key) AS story
    FROM topic_signals t JOIN latest USING (as_of)
), agg AS (
    SELECT story, max(trend) AS trend,
           max(mentions) AS mentions, max(breadth) AS breadth,
           max(coalesce(platforms, 1)) AS platforms, max(volume) AS volume,
           count(*) AS candidates,
           list(label ORDER BY trend DESC, topic_key) AS candidate_labels
    FROM s GROUP BY story
)
SELECT row_number() OVER (ORDER BY a.trend DESC, a.story) AS rank,
       h.as_of, a.story AS topic_key, h.label, h.kind, h.state,
       coalesce(h.posting_window, '') AS posting_window, a.trend, a.mentions, h.baseline,
       h.velocity, a.breadth, a.platforms, a.volume, h.freshness,
       coalesce(h.spike, false) AS spike, h.zscore, h.peak_at, h.first_seen_at,
       a.candidates, a.candidate_labels
FROM agg a JOIN s h ON h.topic_key = a.story;

-- Mentions per topic and time bucket (UTC hours and UTC days), with distinct sources.
CREATE VIEW topic_timeline AS
SELECT m.topic_key, t.label, 'hour' AS grain, date_trunc('hour', m.event_at) AS bucket,
       count(*) AS mentions, count(DISTINCT m.source) AS sources
FROM mentions m JOIN topics t ON t.key = m.topic_key
GROUP BY m.topic_key, t.label, date_trunc('hour', m.event_at)
UNION ALL
SELECT m.topic_key, t.label, 'day' AS grain, date_trunc('day', m.event_at) AS bucket,
       count(*) AS mentions, count(DISTINCT m.source) AS sources
FROM mentions m JOIN topics t ON t.key = m.topic_key
GROUP BY m.topic_key, t.label, date_trunc('day', m.event_at);
