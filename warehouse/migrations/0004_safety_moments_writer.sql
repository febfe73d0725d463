-- Brand safety, calendar moments and the idea writer (issue 5).
-- Sensitivity is stored with every client score, whatever the client's policy, so that
-- analysts can ask what was held back and why.

ALTER TABLE client_topic_scores ADD COLUMN sensitivity VARCHAR;   -- disaster | accident | crime | sara | politics
ALTER TABLE client_topic_scores ADD COLUMN moment VARCHAR;        -- the near calendar moment that boosted it

ALTER TABLE ideas ADD COLUMN warning VARCHAR;                      -- brand-safety warning shown to `flag` clients
ALTER TABLE ideas ADD COLUMN writer VARCHAR DEFAULT 'template';    -- template | llm
