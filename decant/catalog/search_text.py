"""Search text folding: the one rule the static index, the API and /search share.

A word matches when it starts with a query word once both are folded: lowercased,
accents taken off (NFKD, combining marks dropped) and the few Latin letters that do
not decompose spelled out (œ -> oe, ß -> ss). sql/0075_search_folding.sql does the
same in the database (decant_fold); tests/catalog/test_search_text.py checks that both agree
letter by letter over Latin-1 and Latin Extended-A/B, and theme/static/search.js folds
queries the same way in the browser.
"""

from __future__ import annotations

import re
import unicodedata

# Letters NFKD leaves alone; the same table is in decant_fold() and search.js.
SPELLED_OUT = {
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ß": "ss",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ħ": "h",
    "ı": "i",
}
WORD = re.compile(r"[a-z0-9]+")
MAX_QUERY_WORDS = 8


def fold(text: str) -> str:
    lowered = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in lowered if not unicodedata.combining(c))
    return "".join(SPELLED_OUT.get(c, c) for c in bare)


def words(text: str) -> list[str]:
    """The searchable words of a text: folded runs of a-z and 0-9."""
    return WORD.findall(fold(text))


def query_words(text: str) -> list[str]:
    """A query's distinct words (at most MAX_QUERY_WORDS); every one must match."""
    return list(dict.fromkeys(words(text)))[:MAX_QUERY_WORDS]


def matches(query: list[str], haystack: list[str]) -> bool:
    """Each query word is the start of some word of the haystack."""
    return all(any(w.startswith(q) for w in haystack) for q in query)
