-- Where did a topic come from? For the topics of the latest scoring run whose label matches,
-- each source that mentioned the name it goes by: the source's kind, its first and last item,
-- how many, and its first headline, the first source first.
-- param topic: part of a topic label
WITH latest AS (
    SELECT as_of FROM scoring_runs ORDER BY finished_at DESC, as_of DESC LIMIT 1
), topic AS (
    SELECT t.as_of, t.topic_key, t.label FROM topic_signals t JOIN latest USING (as_of)
    WHERE t.label ILIKE '%' || $topic || '%'
), told AS (
    SELECT tp.label AS topic, m.item_key, m.source, m.event_at
    FROM topic tp
    JOIN candidates c ON c.key = tp.topic_key
    JOIN mentions m ON m.candidate_id = c.id
    WHERE m.event_at <= tp.as_of
)
SELECT t.topic, t.source, coalesce(src.kind, '') AS kind, min(t.event_at) AS first_item,
       max(t.event_at) AS last_item, count(DISTINCT t.item_key) AS items,
       arg_min(i.title, t.event_at) AS first_headline
FROM told t JOIN items i ON i.key = t.item_key
LEFT JOIN sources src ON src.name = t.source
GROUP BY t.topic, t.source, src.kind
ORDER BY t.topic, first_item, t.source
