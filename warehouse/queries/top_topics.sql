-- What is trending now? The topics of the scoring run that finished last, strongest first.
-- param top = 20: how many topics (default 20)
SELECT rank, label, state, posting_window, mentions, breadth AS sources, platforms,
       round(velocity, 1) AS x_usual, first_seen_at, peak_at, as_of
FROM trending_now
ORDER BY rank
LIMIT CAST($top AS INTEGER)
