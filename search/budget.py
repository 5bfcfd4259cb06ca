"""A time budget per request, checked cooperatively by the engine's loops.

The web app opens a budget around each request (``with budget.limit(5.0): ...``); the
engine calls ``budget.check()`` between pieces of work (each query term, each hit, each
relaxed search of a zero-hit page, every few hundred rows of an export). Work past the
deadline stops with OverBudget, which the site turns into a page that says the query is
too broad (503 with ``{"error"}`` for the API). Without an open budget (the CLI, tests),
check() costs one context-variable read and never raises.

The deadline lives in a context variable, so each thread (each waitress worker) has its
own; a streamed export takes its own Deadline object along, because its rows are
produced after the view has returned.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from search.results import SearchError

T = TypeVar("T")

DEFAULT_SECONDS = 5.0


class OverBudget(SearchError):
    """A request needed more time than its budget allows; the message says how long."""


class Deadline:
    """A point in time after which work stops (monotonic clock)."""

    __slots__ = ("seconds", "ends")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    @property
    def left(self) -> float:
        return self.ends - time.monotonic()

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise OverBudget(
                f"This request needed more than its time budget of {self.seconds:g} s and was stopped."
            )


_current: ContextVar[Deadline | None] = ContextVar("cppcc_deadline", default=None)


@contextmanager
def limit(seconds: float | None) -> Iterator[Deadline | None]:
    """Work inside the block stops (OverBudget) once `seconds` have passed; None: no limit."""
    deadline = Deadline(seconds) if seconds and seconds > 0 else None
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


def start(seconds: float | None) -> None:
    """Open a budget for this thread without a with-block (a Flask before_request)."""
    _current.set(Deadline(seconds) if seconds and seconds > 0 else None)


def end() -> None:
    """Close the budget start() opened (a Flask teardown_request)."""
    _current.set(None)


def current() -> Deadline | None:
    """The budget open in this thread, if any."""
    return _current.get()


def check() -> None:
    """Raise OverBudget if the open budget (if any) is spent."""
    deadline = _current.get()
    if deadline is not None and time.monotonic() > deadline.ends:
        deadline.check()


def checked(items: Iterable[T], every: int = 256) -> Iterator[T]:
    """The items, checking the budget before the first and then every `every` of them:
    ``for d in budget.checked(docs.tolist()): ...`` bounds a loop over a match set."""
    deadline = _current.get()
    if deadline is None:
        yield from items
        return
    for i, item in enumerate(items):
        if i % every == 0:
            deadline.check()
        yield item
