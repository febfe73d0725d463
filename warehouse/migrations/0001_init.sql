-- The first schema. Applied migrations are recorded in schema_migrations and never edited:
-- change the schema with a new numbered file.

CREATE TABLE sources (
    name                 VARCHAR PRIMARY KEY,
    kind                 VARCHAR NOT NULL,
    url                  VARCHAR NOT NULL,
    language             VARCHAR,
    every_seconds        INTEGER NOT NULL,
    -- incremental state: validators for conditional GET, kept per source
    etag                 VARCHAR,
    last_modified        VARCHAR,
    -- health
    last_attempt_at      TIMESTAMPTZ,
    last_success_at      TIMESTAMPTZ,
    last_error           VARCHAR,
    last_error_at        TIMESTAMPTZ,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    first_failure_at     TIMESTAMPTZ
);

CREATE SEQUENCE fetch_log_seq;
CREATE TABLE fetch_log (
    id          BIGINT PRIMARY KEY DEFAULT nextval('fetch_log_seq'),
    run_id      VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    duration_ms INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 1,
    http_status INTEGER,
    outcome     VARCHAR NOT NULL,          -- ok | not_modified | error
    reason      VARCHAR,                   -- short cause: timeout, http_500, not_a_feed, ...
    detail      VARCHAR,                   -- the error or parser warning, one line
    bytes       BIGINT,
    entries     INTEGER,                   -- entries found in the body
    new_items   INTEGER                    -- of which were not stored before
);

CREATE TABLE items (
    key          VARCHAR PRIMARY KEY,      -- stable: canonical link, else guid, else title+date
    source       VARCHAR NOT NULL,         -- the first source that brought it
    url          VARCHAR,
    guid         VARCHAR,
    title        VARCHAR NOT NULL,
    summary      VARCHAR NOT NULL,
    author       VARCHAR,
    language     VARCHAR,
    volume       DOUBLE,                   -- platform-reported traffic / uses / views
    published_at TIMESTAMPTZ,              -- as the feed says (may be missing)
    fetched_at   TIMESTAMPTZ NOT NULL,
    event_at     TIMESTAMPTZ NOT NULL,     -- published_at clamped to fetched_at: the time it counts at
    extra        JSON,
    extracted    BOOLEAN NOT NULL DEFAULT FALSE   -- topics extracted into mentions
);

CREATE TABLE topics (
    key           VARCHAR PRIMARY KEY,     -- normalized: "timnas indonesia"
    label         VARCHAR NOT NULL,        -- as people wrote it: "Timnas Indonesia"
    kind          VARCHAR NOT NULL,        -- hashtag | name | phrase | query
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE mentions (
    topic_key VARCHAR NOT NULL,
    item_key  VARCHAR NOT NULL,
    source    VARCHAR NOT NULL,
    event_at  TIMESTAMPTZ NOT NULL,        -- the item's event_at
    PRIMARY KEY (topic_key, item_key)
);

CREATE TABLE scoring_runs (
    as_of       TIMESTAMPTZ PRIMARY KEY,
    finished_at TIMESTAMPTZ NOT NULL,
    topics      INTEGER NOT NULL
);

CREATE TABLE topic_signals (
    as_of          TIMESTAMPTZ NOT NULL,
    topic_key      VARCHAR NOT NULL,
    label          VARCHAR NOT NULL,
    mentions       INTEGER NOT NULL,       -- items in the recent window
    baseline       DOUBLE NOT NULL,        -- items per window over the previous days
    velocity       DOUBLE NOT NULL,        -- (mentions + 1) / (baseline + 1)
    breadth        INTEGER NOT NULL,       -- distinct sources in the recent window
    volume         DOUBLE NOT NULL,        -- platform volume, normalized 0..1
    freshness      DOUBLE NOT NULL,        -- 0..1, halves every half-life since first seen
    first_seen_at  TIMESTAMPTZ NOT NULL,
    state          VARCHAR NOT NULL,       -- new | rising | peaking | fading
    trend          DOUBLE NOT NULL,        -- 0..1 overall strength
    PRIMARY KEY (as_of, topic_key)
);

CREATE TABLE clients (
    id          VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    languages   VARCHAR[] NOT NULL,
    keywords    VARCHAR[] NOT NULL,
    exclude     VARCHAR[] NOT NULL,
    channel     VARCHAR NOT NULL,
    timezone    VARCHAR NOT NULL,
    digest_time VARCHAR NOT NULL,
    tone        VARCHAR NOT NULL
);

CREATE TABLE client_topic_scores (
    as_of       TIMESTAMPTZ NOT NULL,
    client_id   VARCHAR NOT NULL,
    topic_key   VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    score       DOUBLE NOT NULL,           -- trend x relevance; 0 when excluded
    trend       DOUBLE NOT NULL,
    relevance   DOUBLE NOT NULL,
    freshness   DOUBLE NOT NULL,
    velocity    DOUBLE NOT NULL,
    breadth     INTEGER NOT NULL,
    mentions    INTEGER NOT NULL,
    state       VARCHAR NOT NULL,
    matched     VARCHAR[] NOT NULL,        -- client keywords found in the topic's stories
    excluded_by VARCHAR,                   -- the exclude term that filtered it, if any
    selected    BOOLEAN NOT NULL,          -- picked for the client's ideas
    reason      VARCHAR NOT NULL,          -- "matches kopi in 4 headlines; rising 320% ..."
    PRIMARY KEY (as_of, client_id, topic_key)
);

CREATE TABLE ideas (
    client_id   VARCHAR NOT NULL,
    digest_date DATE NOT NULL,             -- the client's local day
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
    PRIMARY KEY (client_id, digest_date, topic_key, language)
);

-- The outbox: one row per client and local day. A row is written (pending) before Slack is
-- called and marked sent with Slack's ts after, so a retry never posts the same day twice.
CREATE TABLE digests (
    client_id   VARCHAR NOT NULL,
    digest_date DATE NOT NULL,
    channel     VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,          -- pending | sent | failed | printed
    text        VARCHAR NOT NULL,          -- the plain fallback text
    messages    JSON NOT NULL,             -- Block Kit messages: [parent, replies...]
    ts          VARCHAR,                   -- Slack's message ts once sent
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ,
    PRIMARY KEY (client_id, digest_date)
);
