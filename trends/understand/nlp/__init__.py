"""Text tools for Indonesian and English: tokens, stopwords, slang, stems, language."""

from trends.understand.nlp.language import detect_language
from trends.understand.nlp.slang import normalize_slang
from trends.understand.nlp.stem import match_form, stem
from trends.understand.nlp.stopwords import (
    BOILERPLATE,
    STOPWORDS_EN,
    STOPWORDS_ID,
    is_boilerplate,
    is_boilerplate_phrase,
    is_stopword,
)
from trends.understand.nlp.tokenize import (
    Token,
    mention_name,
    split_hashtag,
    tokenize,
    tokenize_clauses,
)

__all__ = [
    "BOILERPLATE",
    "STOPWORDS_EN",
    "STOPWORDS_ID",
    "Token",
    "detect_language",
    "is_boilerplate",
    "is_boilerplate_phrase",
    "is_stopword",
    "match_form",
    "mention_name",
    "normalize_slang",
    "split_hashtag",
    "stem",
    "tokenize",
    "tokenize_clauses",
]
