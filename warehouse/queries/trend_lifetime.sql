-- How long did each trend last? First and last mention, the days it was talked about, and
-- the scoring runs in which it was rising or peaking.
-- param topic = : part of a topic label to look for (default: every topic)
WITH m AS (
    SELECT t.key, t.label, min(m.event_at) AS first_mention, max(m.event_at) AS last_mention,
           count(*) AS mentions, count(DISTINCT m.source) AS sources,
           count(DISTINCT CAST(m.event_at AS DATE)) AS days_mentioned
    FROM topics t JOIN topic_mentions m ON m.topic_id = t.id
    WHERE t.label ILIKE '%' || $topic || '%'
    GROUP BY ALL
), hot AS (
    SELECT topic_key, min(as_of) AS hot_from, max(as_of) AS hot_until
    FROM topic_signals WHERE state IN ('rising', 'peaking')
    GROUP BY ALL
)
SELECT m.label AS topic, m.first_mention, m.last_mention,
       round(epoch(m.last_mention - m.first_mention) / 3600, 1) AS hours_mentioned,
       m.days_mentioned, m.mentions, m.sources, hot.hot_from, hot.hot_until,
       round(epoch(hot.hot_until - hot.hot_from) / 3600, 1) AS hours_hot
FROM m LEFT JOIN hot ON hot.topic_key = m.key
ORDER BY m.mentions DESC, m.label
