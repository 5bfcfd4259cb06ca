"""The Whoosh schema: one document per paragraph."""

from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search.analysis import char_analyzer, gram_analyzer, word_analyzer

# Field names, used by the indexer, the query builder and the engine.
ID_FIELD = "id"
ARTICLE = "article_id"
TITLE = "title"
TITLE_GRAMS = "title_grams"
TEXT_FIELD = "text"
GRAMS = "grams"
CHARS = "chars"
PROVINCE = "province"
CITY = "city"
DISTRICT = "district"
YEAR = "year"
THEMES = "themes"
SECTION = "section"
POSITION = "position"
HEADING = "is_heading"
SOURCE = "source"
PUBLISHED = "published"
CODE = "region_code"

NO_YEAR = 0  # stored in the year field of articles whose year is unknown


def build_schema() -> Schema:
    """A fresh schema; Whoosh pickles it, analyzers included, into the index."""
    return Schema(
        **{
            ID_FIELD: ID(stored=True, unique=True),
            ARTICLE: ID(stored=True),
            TITLE: TEXT(analyzer=word_analyzer(), stored=True, phrase=True),
            TITLE_GRAMS: TEXT(analyzer=gram_analyzer(), phrase=True),
            TEXT_FIELD: TEXT(analyzer=word_analyzer(), stored=True, phrase=True),
            GRAMS: TEXT(analyzer=gram_analyzer(), phrase=True),
            CHARS: TEXT(analyzer=char_analyzer(), phrase=False),
            PROVINCE: ID(stored=True),
            CITY: ID(stored=True),
            DISTRICT: ID(stored=True),
            YEAR: NUMERIC(int, stored=True, signed=False),
            THEMES: KEYWORD(stored=True, commas=True, scorable=False),
            SECTION: STORED(),
            POSITION: NUMERIC(int, stored=True, signed=False),
            HEADING: BOOLEAN(stored=True),
            SOURCE: STORED(),
            PUBLISHED: STORED(),
            CODE: STORED(),
        }
    )
