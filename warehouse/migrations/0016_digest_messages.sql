-- A digest is a header message with each idea as its own reply in the header's thread, so that
-- a reaction belongs to one idea: `digest_messages` says which Slack message carries which.
--
-- One row per message of a digest, written with the outbox row (`digests`) and replaced with
-- it while nothing has been attempted. `ts` is set as Slack takes each message: a digest
-- interrupted after its header and some replies is completed on the next run with only the
-- replies that have no ts and are not found in the thread (by their metadata id
-- "client/day#part"), never a second header. The feedback job reads the reactions of each
-- reply with a topic and counts them for that topic alone; the header carries none.
--
-- Digests sent before this migration have no rows here: they were one message for all their
-- topics, and a reaction on one still counts for every topic it showed.

CREATE TABLE digest_messages (
    client_id   VARCHAR NOT NULL,
    digest_date DATE NOT NULL,             -- the client's local day (as in `digests`)
    part        INTEGER NOT NULL,          -- 1: the header; 2, 3...: the thread replies, in order
    topic_key   VARCHAR,                   -- the topic of the reply's idea; NULL for the header
    label       VARCHAR,                   -- that topic's label as the digest showed it
    rank        INTEGER,                   -- its place in the digest, 1 = first
    languages   VARCHAR[] NOT NULL,        -- the languages of its ideas ("id", "en")
    text        VARCHAR NOT NULL,          -- the message's plain fallback text
    ts          VARCHAR,                   -- Slack's ts once posted
    posted_at   TIMESTAMPTZ,               -- when Slack took it
    PRIMARY KEY (client_id, digest_date, part)
);
