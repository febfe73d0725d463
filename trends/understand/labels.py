"""What makes a topic's label a name people would search for (docs/labels.md), as rules over
its words. Pure: the clustering asks these of its candidates when it names a topic, and a
topic none of whose candidates passes is not shown (an honest short list beats a junk one).

A label is junk when it is:
- generic: no word in it names anything in particular (every word is an ordinary Indonesian
  word, a frequent English one, a role noun or an office's abbreviation): "Mitigasi",
  "Aktivitas Tambang", "Terdampak Bencana", "review";
- too broad: a country, province, big city or national institution alone: "China", "DPR";
- a fragment: it starts or ends on a function word (of any of the languages the news comes
  in), starts or ends on a verb, or ends on a dangling adverb: "Prabowo panggil",
  "Michael Carrick Resmi", "da Série";
- foreign: a fragment whose loose end is another language's function word: "en vivo".
What people typed (a Google Trends query, a hashtag) is taken as it is.

Each word is classed once (`word_class`, cached): a name, an edition (a year, a number), a
too-broad name, an ordinary word, a verb or a function word. Sastrawi's dictionary and
wordfreq's lists tell an ordinary word; what they do not know is a name. Words written with a
capital in running text somewhere in the topic (`names`) are names even where the stemmer
takes them for derived words ("Semeru" is not se- + "meru").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

from trends.understand.nlp.language import EN_FUNCTION_WORDS
from trends.understand.nlp.stem import in_dictionary, is_common_word, stem
from trends.understand.nlp.stopwords import (
    FUNCTION_WORDS_ANY,
    STOPWORDS_ID,
    TOO_BROAD,
    TOO_BROAD_PLACES,
    data_lines,
)

__all__ = ["BROAD", "COMMON", "EDITION", "FOREIGN", "FRAGMENT", "FUNCTION", "GENERIC",
           "GENERIC_WORDS", "NAME",
           "TOO_BROAD_LABEL", "VERB", "is_match", "label_problem",
           "label_words", "ordinary_words", "specific_words", "word_class"]

GENERIC, TOO_BROAD_LABEL, FRAGMENT, FOREIGN = "generic", "too broad", "fragment", "foreign"

# Word classes, from the most to the least specific.
NAME, EDITION, BROAD, COMMON, VERB, FUNCTION = ("name", "edition", "broad", "common", "verb",
                                                "function")

GENERIC_WORDS = frozenset(data_lines("generic_words.txt"))
_HEADLINE_VERBS = frozenset(data_lines("headline_verbs.txt"))
_DANGLING = frozenset(data_lines("dangling_words.txt"))
# Words that follow a place's name as part of it: "Jakarta Utara", "Sumatera Barat".
_NAME_PARTS = frozenset("utara selatan barat timur tengah raya baru".split())
_BODIES = TOO_BROAD - TOO_BROAD_PLACES
# English function words proper: stopwords-iso's English list also holds content words that
# names are made of ("open" of "Australian Open", "general", "interest").
_EN_FUNCTION = EN_FUNCTION_WORDS | frozenset("""a i if so no all any some only also very then
    these those them him me my us per via vs v""".split())
_NATIVE_FUNCTION = STOPWORDS_ID | _EN_FUNCTION
_FUNCTION = _NATIVE_FUNCTION | FUNCTION_WORDS_ANY
# Particles that start a name when written with a capital: "Van Dijk", "De Bruyne",
# "Los Angeles", "La Liga", "Da Silva".
_NAME_PARTICLES = frozenset("van von der den de da del della la le los las el al bin ibn".split())
_VERSUS = frozenset({"vs", "v", "versus"})
# Function words that join the parts of a name: "Banjir dan Longsor", "Bank of America",
# "Banjir di Sumatera", "Piala Dunia U17 2025" has none.
_JOINERS = _VERSUS | frozenset({"dan", "and", "of", "the", "di", "de", "da", "van", "x", "&"})
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|#\w+")
# A year, a number, a roman numeral: "2026", "12.12", "XIII".
_EDITION = re.compile(r"\d[\d.,/-]*|(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})")
# Indonesian nouns by their endings, where the stemmer does not find the root: borrowed
# ("mitigasi", "aktivitas", "digitalisasi") and pe-/ke- ... -an ("penyalahgunaan").
_LOAN_NOUN = re.compile(r"\w{3,}(?:asi|itas|isme|logi|grafi)|(?:pe|ke)\w{5,}an")
# A word more frequent than this in English text (Zipf scale: 4 is once per 100,000 words)
# is an ordinary English word, not a name: "review", "odds", "watch", "road".
_COMMON_ZIPF = 4.0
# Languages the news around Indonesian brands is written in besides Indonesian and English,
# whose frequent words are no names either ("jogo", "partido").
_OTHER_LANGUAGES = ("pt", "es", "it", "fr", "nl", "de")
_FREQUENT_THERE, _RARE_HERE = 4.6, 3.0


def label_problem(label: str, kind: str, names: Collection[str] = ()) -> str | None:
    """Why `label` cannot name a topic (GENERIC, TOO_BROAD_LABEL, FRAGMENT, FOREIGN), or None.
    `kind` is the candidate's (query, hashtag, name, phrase); `names` are lowercase words the
    topic's sources wrote as names (capitalized in running text)."""
    words = label_words(label)
    if not words:
        return GENERIC
    if kind in ("query", "hashtag"):
        return None if any(word_class(w) != EDITION for w in words) else GENERIC
    classes = _classes(label, words, names)
    first, last = words[0], words[-1]
    if classes[0] == FUNCTION or classes[-1] == FUNCTION:
        return FOREIGN if _foreign(first) or _foreign(last) else FRAGMENT
    # A verb anywhere makes a clause of a headline, not a name ("Polri kirim bantuan"); so
    # does a function word inside it but a few that join names ("Checkout sebelum kuota").
    if len(words) > 1 and (VERB in classes or last in _DANGLING or first in _DANGLING):
        return FRAGMENT
    if any(c == FUNCTION and w not in _JOINERS for w, c in zip(words[1:-1], classes[1:-1])):
        return FRAGMENT
    if any(w in _VERSUS for w in words):
        return None if is_match(label) else FRAGMENT
    if all(c in (BROAD, EDITION) or w in _NAME_PARTS or w in GENERIC_WORDS
           for w, c in zip(words, classes)):
        return TOO_BROAD_LABEL if BROAD in classes else GENERIC
    if " ".join(words) in TOO_BROAD:
        return TOO_BROAD_LABEL
    if NAME in classes:
        return None
    if len(words) > 1:
        # An event at a place ("Banjir Sumatera", "Pemilu Malaysia"), an edition of
        # something ("Piala Dunia 2026", "UMP 2026").
        if (any(w in TOO_BROAD_PLACES and w not in GENERIC_WORDS for w in words)
                and any(c == COMMON and w not in GENERIC_WORDS for w, c in zip(words, classes))):
            return None
        if len(words) >= 3 and classes[-1] == EDITION and any(
                c == COMMON and w not in GENERIC_WORDS for w, c in zip(words, classes)):
            return None
        # Capitals in running text ("Piala Dunia", "Super Bowl"), but not on role nouns nor
        # beside a body ("Putusan MK").
        if kind == "name" and not any(w in _BODIES or (w in GENERIC_WORDS and w not in TOO_BROAD)
                                      for w in words):
            return None
    return GENERIC


def is_match(label: str) -> bool:
    """A match or a contest, a name on either side: "Indonesia vs Arab Saudi", "AZ Alkmaar v
    NAC Breda"."""
    words = label_words(label)
    for i, w in enumerate(words):
        if w in _VERSUS and 0 < i < len(words) - 1:
            left, right = words[:i], words[i + 1:]
            return all(any(word_class(x) not in (FUNCTION, EDITION) for x in side)
                       for side in (left, right))
    return False


def ordinary_words(label: str) -> int:
    """How many words of `label` are ordinary words, verbs or function words."""
    return sum(c in (COMMON, VERB, FUNCTION) for c in _classes(label, label_words(label), ()))


def specific_words(label: str, names: Collection[str] = ()) -> int:
    """How many words of `label` name something: how specific a name it is."""
    return _classes(label, label_words(label), names).count(NAME)


def label_words(label: str) -> list[str]:
    """The words of a label, lowercase, without a hashtag's #."""
    return [w.lower().lstrip("#") for w in _WORD.findall(label)]


# Each word is classed once: the wordfreq and dictionary look-ups below run on a miss only.
@functools.lru_cache(maxsize=65536)
def word_class(word: str) -> str:
    """NAME, EDITION, BROAD, COMMON, VERB or FUNCTION for one lowercase word, out of context."""
    if _EDITION.fullmatch(word):
        return EDITION
    if word in _FUNCTION and (word in _NATIVE_FUNCTION or not _frequent_here(word)):
        return FUNCTION
    if word in TOO_BROAD:
        return BROAD                # before the verbs: "Bekasi" is no "bekas" + -i
    if word in _HEADLINE_VERBS or _affixed_verb(word):
        return VERB
    if (word in GENERIC_WORDS or is_common_word(word) or _LOAN_NOUN.fullmatch(word)
            or _frequent_english(word) or _frequent_elsewhere(word) or len(word) < 2):
        return COMMON
    return NAME


def _classes(label: str, words: list[str], names: Collection[str]) -> list[str]:
    """Each word's class in this label: an acronym written in capitals ("AZ", "MK", "UMP") is a
    name unless it is too broad or a role; a particle starting a capitalized name is part of
    it; a word the topic's sources capitalize is a name unless the dictionary has it as it is;
    a word written in lowercase is none."""
    classes = [word_class(w) for w in words]
    written = _WORD.findall(label)
    shouting = len(written) > 1 and all(w.isupper() for w in written if w.isalpha())
    for i, (w, orig) in enumerate(zip(words, written)):
        c = classes[i]
        if c == NAME and orig.islower():
            classes[i] = COMMON         # written in lowercase: "harassing athletes"
        elif c in (NAME, EDITION, BROAD) or w in GENERIC_WORDS:
            continue
        elif not shouting and orig.isalpha() and orig.isupper() and 2 <= len(orig) <= 6:
            classes[i] = BROAD if w in TOO_BROAD else NAME     # "AS", "MK": not "as", "mk"
        elif w in names and not in_dictionary(w) and c != FUNCTION and not orig.islower():
            classes[i] = NAME
    if (len(words) > 1 and words[0] in _NAME_PARTICLES and label[:1].isupper()
            and classes[1] not in (FUNCTION, VERB)):
        classes[0] = NAME
    return classes


def _affixed_verb(word: str) -> bool:
    """me-/di-/ber-/ter- + a root, or a root + -kan/-i: "mengungkap", "ditangkap",
    "terdampak", "resmikan" (the dictionary knows the root)."""
    if len(word) < 5 or not is_common_word(word):
        return False
    root = stem(word)
    if root == word:
        return False
    return word.startswith(("me", "di", "ber", "ter", "per")) or word.endswith(("kan", "i"))


def _foreign(word: str) -> bool:
    return word in FUNCTION_WORDS_ANY and word not in _NATIVE_FUNCTION


def _frequent_english(word: str) -> bool:
    from wordfreq import zipf_frequency

    # "lineups": the plural's own frequency is low, its singular's is not.
    forms = {word, word[:-1]} if word.endswith("s") and len(word) > 4 else {word}
    return any((en := zipf_frequency(f, "en")) >= _COMMON_ZIPF and en >= zipf_frequency(f, "id")
               for f in forms)


def _frequent_here(word: str) -> bool:
    """A word of another language's stopword list that Indonesian or English text uses as a
    word of its own: "tempo", "final", "solo", "sara" (short ones stay function words)."""
    from wordfreq import zipf_frequency

    return len(word) >= 4 and (zipf_frequency(word, "id") >= 3.0
                               or zipf_frequency(word, "en") >= 3.0)


def _frequent_elsewhere(word: str) -> bool:
    """A frequent word of one of the other languages that Indonesian and English text hardly
    use: "jogo", "partido", "wedstrijd". A place or a club is frequent in its own language
    too, but shows up in English and Indonesian text as well ("Madrid", "Roma", "Porto")."""
    from wordfreq import zipf_frequency

    if zipf_frequency(word, "en") >= _RARE_HERE or zipf_frequency(word, "id") >= _RARE_HERE:
        return False
    return any(zipf_frequency(word, lang) >= _FREQUENT_THERE for lang in _OTHER_LANGUAGES)
