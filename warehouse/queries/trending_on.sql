-- What was trending on a given day? The topics of that day's last scoring run (as of the end
-- of the day at the latest, in the time zone given), strongest first.
-- param day: the local day, YYYY-MM-DD
-- param tz = Asia/Jakarta: the time zone of the day (default Asia/Jakarta)
-- param top = 20: how many topics (default 20)
WITH run AS (
    SELECT max(as_of) AS as_of FROM scoring_runs
    WHERE CAST(timezone($tz, as_of) AS DATE) = CAST($day AS DATE)
)
SELECT t.rank, t.label, t.state, t.posting_window, t.mentions, t.breadth AS sources,
       round(t.velocity, 1) AS x_usual, t.first_seen_at, t.as_of
FROM topic_signals t JOIN run USING (as_of)
ORDER BY t.rank
LIMIT CAST($top AS INTEGER)
