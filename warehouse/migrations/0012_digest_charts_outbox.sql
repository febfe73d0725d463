-- A digest's chart gets an outbox state of its own, so that a chart lost in a crash is sent.
--
-- The sparkline goes into the digest's thread after the digest is marked sent; a process that
-- died in between lost it for good. Now a digest sent with a chart owes it (`pending`) until
-- the upload is recorded (`sent`, with Slack's file ID). `chart_attempted_at` is set as an
-- upload starts: a pending chart whose upload may have reached Slack is looked up in the
-- thread (by its file name) before it is uploaded again. NULL: no chart was asked for
-- (digests sent before this release, printed digests, charts turned off).

ALTER TABLE digests ADD COLUMN chart_status VARCHAR;
ALTER TABLE digests ADD COLUMN chart_file VARCHAR;
ALTER TABLE digests ADD COLUMN chart_attempted_at TIMESTAMPTZ;
