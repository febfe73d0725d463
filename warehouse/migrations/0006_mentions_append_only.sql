-- Mentions without their primary key: the table is append-only.
--
-- With tens of millions of mentions, the key's index cost more than the rest of a scoring run
-- after an ingest: every new batch was checked against it (1.2 s for 400,000 mentions against
-- 26 million) and every commit that checkpointed wrote it back (1 s), and it held gigabytes of
-- memory. No query reads through it. A (topic, item) pair is still stored once: an item's
-- candidates are distinct by key, an item is extracted only while items.extracted is false and
-- its mentions are written in the transaction that sets the flag, items are only ever added
-- (ingest never replaces one), and one process writes the warehouse at a time.
--
-- DuckDB cannot drop a primary key in place, so the table is copied, in its stored order (by
-- event time, as extraction writes it, so that zone maps keep skipping old row groups).

CREATE TABLE mentions_append_only (
    topic_key VARCHAR NOT NULL,
    item_key  VARCHAR NOT NULL,
    source    VARCHAR NOT NULL,
    event_at  TIMESTAMPTZ NOT NULL        -- the item's event_at
);
INSERT INTO mentions_append_only SELECT topic_key, item_key, source, event_at FROM mentions;
DROP TABLE mentions;
ALTER TABLE mentions_append_only RENAME TO mentions;
