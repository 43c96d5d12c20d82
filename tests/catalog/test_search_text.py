"""One folding rule in Python and in the database: the static index, /search and
GET /api/products?q= must find the same fragrances."""

from __future__ import annotations

from decant.catalog import search_text

LATIN = [chr(cp) for r in ((0xC0, 0x250), (0x1E00, 0x1F00)) for cp in range(*r)]


def test_the_database_folds_every_latin_letter_as_python_does(conn):
    letters = [c for c in LATIN if c.isalpha()]
    texts = [f"x{c}y {c.upper()}{c}" for c in letters] + ["Tubéreuse Œillet STRAẞE"]
    rows = conn.execute(
        "SELECT t, regexp_split_to_array(trim(regexp_replace(decant_fold(t), '[^a-z0-9]+', ' ',"
        " 'g')), ' ') AS words FROM unnest(%s::text[]) AS t",
        (texts,),
    ).fetchall()
    differ = [r["t"] for r in rows if [w for w in r["words"] if w] != search_text.words(r["t"])]
    assert differ == []


def test_query_words_are_folded_distinct_prefixes():
    assert search_text.query_words("Tubéreuse  TUBÉREUSE l'Œillet") == ["tubereuse", "l", "oeillet"]
    assert search_text.matches(["tuber"], search_text.words("Tubéreuse Nocturne"))
    assert not search_text.matches(["octurne"], search_text.words("Tubéreuse Nocturne"))
