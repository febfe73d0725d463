-- The Indonesian root of every word topic extraction has stemmed (Sastrawi's, with our
-- colloquial rules: trends/nlp/stem.py). Sastrawi costs ~0.2 ms a word and a fresh scoring
-- process met ten thousand new-to-it words in a day of news; with this table each word is
-- stemmed once, ever. Only the scoring process writes it, adding words it lacks.

CREATE TABLE word_roots (
    word VARCHAR NOT NULL,      -- lowercased, as met: "perusahaannya"
    root VARCHAR NOT NULL       -- "usaha"
);
