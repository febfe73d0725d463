-- The best ideas of one client, newest local day first: what to post, why, and how urgent.
-- param client: a client id from trends.toml
SELECT digest_date, rank, topic_label AS topic, language, platform, angle, urgency, hook, why
FROM ideas
WHERE client_id = $client
ORDER BY digest_date DESC, rank, language
