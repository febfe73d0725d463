-- Topics without their primary key: one writer keeps each key once.
--
-- Every extraction batch upserted its topics through the key's index: after a 10,000-item
-- ingest, 150,000 topics checked against two million keys, the index loaded from disk on a
-- fresh process's first batch and written back at commit, which cost 0.9 s of a 3 s budget
-- (half that without it). No query reads through it: they join topics by hash. A key is still
-- stored once: save_mentions inserts only the keys the table lacks, in its batch's
-- transaction, and one process writes the warehouse at a time (the writer lock).
--
-- DuckDB cannot drop a primary key in place, so the table is copied, in its stored order.

CREATE TABLE topics_without_key (
    key           VARCHAR NOT NULL,        -- normalized: "timnas indonesia"
    label         VARCHAR NOT NULL,        -- as people wrote it: "Timnas Indonesia"
    kind          VARCHAR NOT NULL,        -- hashtag | name | phrase | query
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL
);
INSERT INTO topics_without_key SELECT key, label, kind, first_seen_at, last_seen_at FROM topics;
DROP TABLE topics;
ALTER TABLE topics_without_key RENAME TO topics;
