-- Delivery in Slack: exactly-once digests across crashes, spike alerts, and team feedback.

-- When the last attempt to post this digest started. A row that is still 'pending' (or
-- 'failed') with an attempt on record may have reached Slack before the process died: it is
-- looked up in the channel's history (by its message metadata) before it is posted again.
ALTER TABLE digests ADD COLUMN attempted_at TIMESTAMPTZ;

-- The alert outbox: one row per alert, written before Slack is called.
CREATE TABLE alerts (
    id          VARCHAR PRIMARY KEY,       -- client_id/topic_key/created-at: stable across retries
    client_id   VARCHAR NOT NULL,
    topic_key   VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    local_date  DATE NOT NULL,             -- the client's local day (daily cap)
    channel     VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,          -- pending | sent | failed | printed
    text        VARCHAR NOT NULL,          -- plain fallback text
    blocks      JSON NOT NULL,
    velocity    DOUBLE NOT NULL,
    score       DOUBLE NOT NULL,
    ts          VARCHAR,                   -- Slack's message ts once sent
    attempts    INTEGER NOT NULL DEFAULT 0,
    attempted_at TIMESTAMPTZ,
    last_error  VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);

-- Reactions of the team on digest and alert messages, read back from Slack.
-- verdict: liked (+1), rejected (-1), used (white_check_mark).
CREATE TABLE feedback (
    client_id   VARCHAR NOT NULL,
    channel     VARCHAR NOT NULL,
    message_ts  VARCHAR NOT NULL,
    topic_key   VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    reaction    VARCHAR NOT NULL,          -- Slack's emoji name as read
    verdict     VARCHAR NOT NULL,          -- liked | rejected | used
    user_id     VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,          -- digest | alert
    day         DATE NOT NULL,             -- the digest's or alert's local day
    seen_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (client_id, message_ts, topic_key, verdict, user_id)
);
