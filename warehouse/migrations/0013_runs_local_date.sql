-- What each run did, and one name for a client's local day.
--
-- 1. `runs`: one row per stage run (ingest, score, digest, alerts, feedback, owed digests),
--    whether a one-off command or a flow started it: what `trends status` shows when no
--    Prefect server answers, and the record a cron job's operator can query. `outcome` is
--    `ok` (the job did what it exists for), `partial` (it did, with warnings: some sources
--    failed) or `failed` (it did not: every source failed, a digest or an alert could not be
--    delivered, scoring raised). `details` holds the warnings and the failure as JSON.
--
-- 2. `local_date`: the client's local day was `digest_date` in `ideas` and `digests`, `day` in
--    `feedback` and `local_date` in `alerts`. Every one of them now has `local_date`; the old
--    names stay, as real columns, since analysts' SQL and our writers use them, and
--    `local_date` is a generated (virtual) column equal to the old one, so the two can never
--    disagree. DuckDB cannot add a generated column to a table in place, so each table is
--    copied, in its stored order (as 0007 did); no view reads these tables.

CREATE TABLE runs (
    id          VARCHAR PRIMARY KEY,       -- 12 hex digits, the ingest's fetch_log.run_id too
    job         VARCHAR NOT NULL,          -- ingest | score | digest | alerts | feedback | owed_digests
    origin      VARCHAR NOT NULL,          -- cli, or "prefect <flow run id>"
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    outcome     VARCHAR NOT NULL,          -- ok | partial | failed
    summary     VARCHAR NOT NULL,          -- the run's one line, as the CLI printed it
    details     JSON NOT NULL              -- {"failure": ..., "warnings": [...], ...}
);

CREATE TABLE ideas_local_date (
    client_id   VARCHAR NOT NULL,
    digest_date DATE NOT NULL,             -- the client's local day (older name)
    rank        INTEGER NOT NULL,
    topic_key   VARCHAR NOT NULL,
    topic_label VARCHAR NOT NULL,
    language    VARCHAR NOT NULL,
    angle       VARCHAR NOT NULL,
    platform    VARCHAR NOT NULL,
    hook        VARCHAR NOT NULL,
    caption     VARCHAR NOT NULL,
    hashtags    VARCHAR[] NOT NULL,
    urgency     VARCHAR NOT NULL,
    why         VARCHAR NOT NULL,
    stories     JSON NOT NULL,
    as_of       TIMESTAMPTZ NOT NULL,
    warning     VARCHAR,
    writer      VARCHAR DEFAULT 'template',
    local_date  DATE GENERATED ALWAYS AS (digest_date) VIRTUAL,
    PRIMARY KEY (client_id, digest_date, topic_key, language)
);
INSERT INTO ideas_local_date (client_id, digest_date, rank, topic_key, topic_label, language,
                              angle, platform, hook, caption, hashtags, urgency, why, stories,
                              as_of, warning, writer)
SELECT client_id, digest_date, rank, topic_key, topic_label, language, angle, platform, hook,
       caption, hashtags, urgency, why, stories, as_of, warning, writer
FROM ideas;
DROP TABLE ideas;
ALTER TABLE ideas_local_date RENAME TO ideas;

CREATE TABLE digests_local_date (
    client_id   VARCHAR NOT NULL,
    digest_date DATE NOT NULL,             -- the client's local day (older name)
    channel     VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,          -- pending | sent | failed | printed
    text        VARCHAR NOT NULL,
    messages    JSON NOT NULL,
    ts          VARCHAR,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ,
    attempted_at TIMESTAMPTZ,
    chart_status VARCHAR,
    chart_file  VARCHAR,
    chart_attempted_at TIMESTAMPTZ,
    local_date  DATE GENERATED ALWAYS AS (digest_date) VIRTUAL,
    PRIMARY KEY (client_id, digest_date)
);
INSERT INTO digests_local_date (client_id, digest_date, channel, status, text, messages, ts,
                                attempts, last_error, created_at, sent_at, attempted_at,
                                chart_status, chart_file, chart_attempted_at)
SELECT client_id, digest_date, channel, status, text, messages, ts, attempts, last_error,
       created_at, sent_at, attempted_at, chart_status, chart_file, chart_attempted_at
FROM digests;
DROP TABLE digests;
ALTER TABLE digests_local_date RENAME TO digests;

CREATE TABLE feedback_local_date (
    client_id   VARCHAR NOT NULL,
    channel     VARCHAR NOT NULL,
    message_ts  VARCHAR NOT NULL,
    topic_key   VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    reaction    VARCHAR NOT NULL,
    verdict     VARCHAR NOT NULL,
    user_id     VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    day         DATE NOT NULL,             -- the digest's or alert's local day (older name)
    seen_at     TIMESTAMPTZ NOT NULL,
    local_date  DATE GENERATED ALWAYS AS (day) VIRTUAL,
    PRIMARY KEY (client_id, message_ts, topic_key, verdict, user_id)
);
INSERT INTO feedback_local_date (client_id, channel, message_ts, topic_key, label, reaction,
                                 verdict, user_id, kind, day, seen_at)
SELECT client_id, channel, message_ts, topic_key, label, reaction, verdict, user_id, kind, day,
       seen_at
FROM feedback;
DROP TABLE feedback;
ALTER TABLE feedback_local_date RENAME TO feedback;
