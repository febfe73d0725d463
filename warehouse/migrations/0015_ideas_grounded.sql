-- Ideas grounded in their stories (trends/decide/ideas/writer.py): why each topic fits the
-- brand, what kind of idea it is, the facts its copy uses, the platform's outline, and the
-- story it links.

ALTER TABLE ideas ADD COLUMN link VARCHAR DEFAULT 'field';    -- field | audience | moment | buzz
ALTER TABLE ideas ADD COLUMN kind VARCHAR DEFAULT 'idea';     -- idea | light | prepare
ALTER TABLE ideas ADD COLUMN facts VARCHAR[];                 -- the stories' facts the copy uses
ALTER TABLE ideas ADD COLUMN outline VARCHAR[];               -- carousel slides or video beats
ALTER TABLE ideas ADD COLUMN source_url VARCHAR;              -- the story the facts came from
