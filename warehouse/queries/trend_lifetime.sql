-- How long did each trend last? Per topic: the first and last scoring run it was in, how
-- many runs, its best rank and peak mentions, and the runs in which it was rising or peaking.
-- param topic = : part of a topic label to look for (default: every topic)
SELECT arg_max(label, as_of) AS topic, min(first_seen_at) AS first_seen_at,
       min(as_of) AS first_trending, max(as_of) AS last_trending,
       round(epoch(max(as_of) - min(as_of)) / 3600, 1) AS hours_trending,
       count(*) AS runs, min(rank) AS best_rank, max(mentions) AS peak_mentions,
       min(as_of) FILTER (WHERE state IN ('new', 'rising', 'peaking')) AS hot_from,
       max(as_of) FILTER (WHERE state IN ('new', 'rising', 'peaking')) AS hot_until,
       arg_max(state, as_of) AS last_state
FROM topic_signals
WHERE label ILIKE '%' || $topic || '%'
GROUP BY topic_key
ORDER BY peak_mentions DESC, topic
