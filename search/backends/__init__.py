"""Index backends behind one seam (see base.py): Whoosh, the default, and tantivy."""

from __future__ import annotations

from search.backends.base import (
    Backend,
    BackendError,
    BackendReader,
    BackendWriter,
    DocFilter,
    RankPlan,
)

DEFAULT = "whoosh"
NAMES = ("whoosh", "tantivy")


def get_backend(name: str) -> type[Backend]:
    """The backend class of that name; BackendError for an unknown one."""
    if name == "whoosh":
        from search.backends.whoosh_backend import WhooshBackend

        return WhooshBackend
    if name == "tantivy":
        from search.backends.tantivy_backend import TantivyBackend

        return TantivyBackend
    raise BackendError(f"Unknown index backend {name!r}: choose one of {', '.join(NAMES)}.")


__all__ = ["DEFAULT", "NAMES", "Backend", "BackendError", "BackendReader", "BackendWriter", "DocFilter", "RankPlan", "get_backend"]
