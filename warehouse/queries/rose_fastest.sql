-- What rose fastest this week? Topics by how far above their usual level they got in the
-- scoring runs of the last days (up to the latest run), with their peak.
-- param days = 7: how many days back from the latest run (default 7)
-- param min_mentions = 3: items in a day a topic needed at its peak (default 3)
WITH latest AS (SELECT max(as_of) AS as_of FROM scoring_runs),
runs AS (
    SELECT t.* FROM topic_signals t, latest l
    WHERE t.as_of > l.as_of - to_days(CAST($days AS INTEGER)) AND t.as_of <= l.as_of
),
peak AS (
    SELECT topic_key, arg_max(label, velocity) AS label, max(velocity) AS x_usual,
           arg_max(as_of, velocity) AS fastest_at, max(mentions) AS peak_mentions,
           min(rank) AS best_rank, count(*) AS runs, min(first_seen_at) AS first_seen_at,
           arg_max(state, as_of) AS state_now
    FROM runs GROUP BY topic_key
)
SELECT label, round(x_usual, 1) AS x_usual, peak_mentions, best_rank, runs, fastest_at,
       first_seen_at, state_now
FROM peak
WHERE peak_mentions >= CAST($min_mentions AS INTEGER)
ORDER BY x_usual DESC, peak_mentions DESC, label
LIMIT 20
