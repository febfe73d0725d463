-- Each source's health: failures in a row, last success, last error, and its last 24 hours.
SELECT s.name AS source, s.kind, s.consecutive_failures AS failures_in_a_row,
       s.last_success_at, s.last_error,
       count(f.id) AS fetches_24h,
       count(f.id) FILTER (WHERE f.outcome = 'error') AS errors_24h,
       coalesce(sum(f.new_items), 0) AS new_items_24h,
       round(avg(f.duration_ms)) AS avg_ms_24h
FROM sources s
LEFT JOIN fetch_log f ON f.source = s.name AND f.started_at >= now() - INTERVAL 24 HOURS
GROUP BY ALL
ORDER BY failures_in_a_row DESC, source
