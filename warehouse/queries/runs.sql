-- The warehouse's own record of recent runs: ingest runs (fetch_log), scoring runs and digests.
SELECT 'ingest' AS flow, max(started_at) AS "at", count(*) AS sources,
       sum(new_items) AS new_items, count(*) FILTER (WHERE outcome = 'error') AS errors, run_id AS detail
FROM fetch_log GROUP BY run_id
UNION ALL
SELECT 'score', finished_at, NULL, NULL, NULL, 'as of ' || strftime(as_of, '%Y-%m-%d %H:%M') || ', '
       || topics || ' topics'
FROM scoring_runs
UNION ALL
SELECT 'digest', coalesce(sent_at, created_at), NULL, NULL, CASE WHEN status = 'failed' THEN 1 ELSE 0 END,
       client_id || ' ' || digest_date || ' ' || status
FROM digests
ORDER BY "at" DESC
LIMIT 50
