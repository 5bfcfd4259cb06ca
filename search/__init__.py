"""cppcc-search: full-text search with facets over Chinese CPPCC work reports."""

__version__ = "0.1.0"
