"""The one entry point for searching: SearchRequest in, SearchPage out.

The engine follows atomic rebuilds: each request takes the generation named in
index/CURRENT at that moment and holds it until it is done (a streamed export
until its last row); a generation that has been replaced is closed when its last
user lets go.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from search import budget, integrity
from search.analysis import query_words
from search.backends import RankPlan, get_backend
from search.cache import ByteLRU
from search.documents import paragraph_id
from search.facets import (
    Columns,
    FacetFilter,
    FacetValue,
    count_facets,
    facets_from_counts,
)
from search.generations import CURRENT, IndexCorrupt, generation_meta
from search.limits import MAX_DEPTH, check_depth, check_query
from search.normalize import search_key
from search.query import ParsedQuery, QuerySyntaxError, Term, parse
from search.ranking import QueryPriors, query_priors
from search.results import (
    FACET_FIELDS,
    SORTS,
    ArticleNotFound,
    ArticleSummary,
    BadRequest,
    DocParagraph,
    DocumentView,
    Hit,
    IndexMissing,
    SearchError,
    SearchPage,
    SearchRequest,
    check_request,
)
from search.snippets import highlight, snippet
from search.store import Store
from search.suggest import resolve_places, suggestions
from search.synonyms import expand

__all__ = [
    "FACET_FIELDS",
    "SORTS",
    "ArticleNotFound",
    "ArticleSummary",
    "BadRequest",
    "DocParagraph",
    "DocumentView",
    "FacetValue",
    "HeldMatches",
    "Hit",
    "MatchSet",
    "IndexMissing",
    "QuerySyntaxError",
    "SearchEngine",
    "SearchError",
    "SearchPage",
    "SearchRequest",
]

# Bytes of match masks and piece document lists kept per open generation.
MATCH_CACHE_BYTES = 64 * 2**20
PIECE_CACHE_BYTES = 64 * 2**20
WILD_SAMPLE = 300  # paragraphs read to find what stands where a query has a typo


class _Opened:
    """One generation of the index, open: its store, backend, facet columns and users."""

    def __init__(self, gen: Path, *, verify: bool = False) -> None:
        meta = generation_meta(gen)
        if meta is None:
            raise IndexMissing(
                f"The index in {str(gen)!r} was built by an older version or is incomplete: "
                "run `cppcc-search index` again."
            )
        if verify and (trouble := integrity.problem(gen, full=True)) is not None:
            raise IndexCorrupt(trouble)
        self.gen = gen
        self.users = 0
        self.retired = False
        try:
            self.store = Store(gen)
            self.backend_name = str(meta["backend"])
            kind = get_backend(self.backend_name)
            self.backend = kind.open(gen / kind.folder_name, self.store)
        except Exception as exc:  # a file the checksum could not vouch for, unreadable
            if getattr(self, "store", None) is not None:
                self.store.close()
            if isinstance(exc, (MemoryError, SystemError)):
                raise  # the interpreter's trouble, not the files': the next request tries again
            raise IndexCorrupt(
                f"The generation {gen.name!r} cannot be opened ({type(exc).__name__}: {str(exc)[:200]})."
            ) from None
        self.columns = Columns(self.store)
        self.title_keys = [search_key(a.title) for a in self.store.articles]
        self.match_cache = ByteLRU(MATCH_CACHE_BYTES)
        self.piece_cache = ByteLRU(PIECE_CACHE_BYTES)

    def close(self) -> None:
        self.backend.close()
        self.store.close()


class _Ranking:
    """A search's ranking words and priors, worked out once when first asked for (the
    ranking, the native page and the page's type-prior notice all use them). One request's
    own: plain attributes, no lock (Python 3.11's cached_property locks across instances)."""

    def __init__(self, st: _Opened, parsed: ParsedQuery, request: SearchRequest) -> None:
        self.st, self.parsed, self.request = st, parsed, request
        self._words: tuple[str, ...] | None = None
        self._priors: QueryPriors | None = None

    @property
    def words(self) -> tuple[str, ...]:
        if self._words is None:
            self._words = SearchEngine._rank_words(self.st, self.parsed)
        return self._words

    @property
    def priors(self) -> QueryPriors:
        """The query's ranking priors (search.ranking), from its positive body pieces."""
        if self._priors is None:
            if self.request.sort != "relevance":  # no ranking: no words to work out
                self._priors = QueryPriors(None)
            else:
                groups = self.parsed.groups
                pieces = tuple(dict.fromkeys(p for g in groups for t in g if not t.in_title for p in t.key.split()))
                words = tuple(w for w in self.words if len(w) > 1)
                self._priors = query_priors(self.st.store, pieces, words, type_prior=self.request.type_prior)
        return self._priors


def _mask(size: int, docs: np.ndarray) -> np.ndarray:
    m = np.zeros(size, dtype=bool)
    if len(docs):
        m[docs[docs < size]] = True
    return m


class SearchEngine:
    """Searches the index in index_dir; follows atomic rebuilds; safe to share across threads.

    Every request holds the generation it started on until it is done; the backend's
    readers are per thread where the backend needs it (Whoosh), the store is read-only.
    """

    def __init__(self, index_dir: str | Path, *, max_per_page: int = 100, verify: bool = True) -> None:
        """`verify`: hash every file of a generation against its build.json before serving
        it (once per generation opened; without it only names and sizes are checked)."""
        self.index_dir = Path(index_dir)
        self.max_per_page = max_per_page
        self.verify = verify
        self._broken: dict[Path, str] = {}  # generations that failed to open, and why
        self.problem: str | None = None  # why the generation served is not CURRENT's
        # Re-entrant: a HeldMatches collected by the garbage collector while this thread
        # holds the lock releases its generation from inside the lock.
        self._lock = threading.RLock()
        self._opened: _Opened | None = None
        self._current: tuple[tuple[int, int, int], Path | None] | None = None

    def _current_generation(self) -> Path | None:
        """The generation to serve: index/CURRENT's, or the newest intact older one when
        it is broken (integrity.serving); read again only when CURRENT was replaced (a
        stat, not a read). Raises IndexCorrupt when nothing intact can be served."""
        try:
            st = os.stat(self.index_dir / CURRENT)
        except FileNotFoundError:
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._current
        if cached is not None and cached[0] == stamp:
            return cached[1]
        found = integrity.serving(self.index_dir, broken=self._broken)
        gen = found.gen if found is not None else None
        self.problem = found.problem if found is not None else None
        self._current = (stamp, gen)
        return gen

    def _acquire(self) -> _Opened:
        """The current generation, opened if it is new, with one more user.

        Opening happens outside the lock: requests on the old generation go on
        meanwhile. CURRENT is read under the lock before and after, and a freshly opened
        generation is installed only if it is still current, so the installed one only
        ever moves forward.
        """
        while True:
            with self._lock:
                gen = self._current_generation()
                if gen is None:
                    raise IndexMissing(
                        f"No index has been built in {str(self.index_dir)!r}: run `cppcc-search index` first."
                    )
                if self._opened is not None and self._opened.gen == gen:
                    self._opened.users += 1
                    return self._opened
            try:
                fresh = _Opened(gen, verify=self.verify)
                break
            except IndexCorrupt as exc:  # look again, without it: an older one may stand in
                with self._lock:
                    self._broken[gen] = str(exc)
                    self._current = None
        spare: _Opened | None = None
        with self._lock:
            if self._opened is not None and self._opened.gen == gen:
                spare, st = fresh, self._opened  # another thread opened it first
            elif self._current_generation() == gen:
                old, self._opened = self._opened, fresh
                if old is not None:
                    old.retired = True
                    if old.users == 0:
                        old.close()
                st = fresh
            else:
                # CURRENT moved on while we opened: serve this request from what we
                # opened, then let it go; the next request opens the newer one.
                fresh.retired = True
                st = fresh
            st.users += 1
        if spare is not None:
            spare.close()
        return st

    def _release(self, st: _Opened) -> None:
        with self._lock:
            st.users -= 1
            if st.retired and st.users == 0:
                st.close()

    @contextmanager
    def _use(self) -> Iterator[_Opened]:
        st = self._acquire()
        try:
            yield st
        finally:
            self._release(st)

    @property
    def backend(self) -> str:
        """The backend of the current generation ("whoosh" or "tantivy")."""
        with self._use() as st:
            return st.backend_name

    # matching ------------------------------------------------------------------

    def _piece(self, st: _Opened, piece: str) -> np.ndarray:
        hit = st.piece_cache.get(piece)
        if hit is not None:
            return hit
        docs = st.backend.docs_with(piece)
        docs.flags.writeable = False
        st.piece_cache.put(piece, docs)
        return docs

    def _term_mask(self, st: _Opened, t: Term) -> np.ndarray:
        """Exactly the paragraphs where the term occurs (in the title, for title: terms)."""
        size = st.columns.size
        if t.in_title:
            pattern = t.pattern
            hits = [i for i, k in enumerate(st.title_keys) if pattern.search(k)]
            return st.columns.articles_mask(hits)
        pieces = t.key.split()
        docs = self._piece(st, pieces[0])
        for p in pieces[1:]:
            if not len(docs):
                break
            budget.check()
            docs = docs[np.isin(docs, self._piece(st, p))]
        if t.spaced and len(docs):
            pattern, key = t.pattern, st.store.key
            docs = np.fromiter((d for d in budget.checked(docs.tolist()) if pattern.search(key(d))), dtype=np.int64)
        return _mask(size, docs)

    def _matches(self, st: _Opened, parsed: ParsedQuery) -> np.ndarray:
        """Which live paragraphs the query matches, as a read-only mask (cached per generation).

        Paging, sorting and every facet click re-run the same query with other filters:
        the cache answers those without asking the backend again.
        """
        cached = st.match_cache.get(parsed)
        if cached is not None:
            return cached
        mask = st.columns.live.copy()
        for group in parsed.groups:
            budget.check()
            g = self._term_mask(st, group[0])
            for t in group[1:]:
                budget.check()
                g |= self._term_mask(st, t)
            mask &= g
        for t in parsed.negated:
            budget.check()
            mask &= ~self._term_mask(st, t)
        mask.flags.writeable = False
        st.match_cache.put(parsed, mask)
        return mask

    def clear_cache(self) -> None:
        """Forget cached matches (benchmarks use it to time every search cold)."""
        with self._lock:
            if self._opened is not None:
                self._opened.match_cache.clear()
                self._opened.piece_cache.clear()
                clear = getattr(self._opened.backend, "clear_cache", None)
                if clear is not None:
                    clear()

    def warm_up(self) -> None:
        """Open the index, build its facet columns and load the segmenter now, not on the
        first visitor's search."""
        try:
            self.search(SearchRequest(query="政协", per_page=1))
        except IndexMissing:
            return
        self.clear_cache()

    @staticmethod
    def _filter(request: SearchRequest) -> FacetFilter:
        return FacetFilter(
            provinces=request.provinces,
            cities=request.cities,
            districts=request.districts,
            years=request.years,
            year_from=request.year_from,
            year_to=request.year_to,
            themes=request.themes,
            doc_types=request.doc_types,
            levels=request.levels,
        )

    @staticmethod
    def _rank_words(st: _Opened, parsed: ParsedQuery) -> tuple[str, ...]:
        words: dict[str, None] = {}
        for group in parsed.groups:
            for t in group:
                if not t.in_title:
                    for piece in t.key.split():
                        words.update(dict.fromkeys(query_words(piece, st.backend.has_word)))
        return tuple(words)

    def _ordered(
        self, st: _Opened, parsed: ParsedQuery, total_mask: np.ndarray, request: SearchRequest, limit: int | None,
        ranking: _Ranking | None = None, *, native: bool = True,
    ) -> list[tuple[int, float]]:
        """(docnum, score) of the matches in the requested order, the first `limit` of them.

        `native=False`: the backend ranks exactly the docnums of total_mask, never the
        query over the whole index (for a mask much smaller than the query's matches)."""
        cols = st.columns
        docs = np.flatnonzero(total_mask)
        if not len(docs):
            return []
        ranking = ranking or _Ranking(st, parsed, request)
        words = ranking.words if request.sort == "relevance" else ()
        if words:
            native = native and parsed.plain
            groups, negated = parsed.native_keys if native else ((), ())
            plan = RankPlan(
                allowed=total_mask,
                words=words,
                limit=limit,
                groups=groups,
                negated=negated,
                filter=self._filter(request),
                native=native,
                order=cols.order,
                boost=ranking.priors.boost,
            )
            return st.backend.top(plan)
        # Year sorts: by year, then delivery date, then reading order. Browsing (no words to
        # rank by): the first real paragraph of every article, newest first, then the
        # second ones... so a page shows many articles, not twenty paragraphs of one.
        perm = cols.permutation(request.sort if request.sort in ("newest", "oldest") else "browse")
        picked = perm[total_mask[perm]]
        if limit is not None:
            picked = picked[:limit]
        return [(int(d), 0.0) for d in picked]

    def _hit(
        self, st: _Opened, docnum: int, score: float, keys: tuple[str, ...], with_snippet: bool,
        duplicate_ids: tuple[str, ...] = (),
    ) -> Hit:
        store = st.store
        a = store.article_of(docnum)
        text = store.text(docnum)
        position = int(st.columns.position[docnum])
        return Hit(
            id=paragraph_id(a.id, position),
            article_id=a.id,
            title=a.title,
            province=a.province,
            city=a.city,
            district=a.district,
            year=a.year,
            themes=store.themes(docnum),
            section=store.section(docnum),
            text=text,
            snippet=snippet(text, keys, key_text=store.key(docnum) if keys else None) if with_snippet else "",
            position=position,
            score=score,
            doc_type=a.doc_type,
            level=a.level,
            delivered=a.delivered,
            published=a.published,
            role=store.role(docnum),
            duplicates=len(duplicate_ids),
            duplicate_ids=duplicate_ids,
        )

    def _native_plan(self, st: _Opened, parsed: ParsedQuery, request: SearchRequest, ranking: _Ranking) -> RankPlan | None:
        """The ranking of the whole query by a backend that matches and ranks on its own
        (tantivy), when the query is one it can express; None otherwise."""
        if not self._counts_natively(st, parsed) or request.sort != "relevance":
            return None
        words = ranking.words
        if not words:
            return None
        groups, negated = parsed.native_keys
        return RankPlan(
            allowed=None, words=words, limit=None, groups=groups, negated=negated, filter=self._filter(request),
            native=True, order=st.columns.order, boost=ranking.priors.boost,
        )  # fmt: skip

    @staticmethod
    def _counts_natively(st: _Opened, parsed: ParsedQuery) -> bool:
        """Whether the backend counts (and ranks) this query on its own: it can (tantivy)
        and the query is plain, with something to match."""
        return getattr(st.backend, "count", None) is not None and bool(parsed.groups) and parsed.plain

    def _native_page(
        self, st: _Opened, parsed: ParsedQuery, request: SearchRequest, ranking: _Ranking
    ) -> tuple[int, dict[str, tuple[FacetValue, ...]], Callable[[int], list[tuple[int, float]]]] | None:
        """The whole page from a backend that counts facets and ranks on its own (tantivy),
        when the query is one it can express: no match set is ever listed. The ranking is
        a function of how many to rank."""
        plan = self._native_plan(st, parsed, request, ranking)
        if plan is None:
            return None
        count, groups, negated, full = st.backend.count, plan.groups, plan.negated, plan.filter
        own = full.filtered_facets()
        total, per_article, themes = count(groups, negated, full, "theme" not in own)
        art_counts = {name: per_article for name in FACET_FIELDS if name != "theme" and name not in own}
        theme_counts = {"theme": themes} if "theme" not in own else {}
        for name in own:  # a facet's counts ignore its own filter
            budget.check()
            _, arts, ths = count(groups, negated, full.without(name), name == "theme")
            if name == "theme":
                theme_counts["theme"] = ths
            else:
                art_counts[name] = arts
        facets = facets_from_counts(st.columns, art_counts, theme_counts, full)
        return total, facets, lambda limit: st.backend.top(replace(plan, limit=limit))

    @staticmethod
    def _collapsed(st: _Opened, rank: Callable[[int], list[tuple[int, float]]], want: int, total: int) -> list[tuple[int, float]]:
        """The first `want` ranked paragraphs with near-duplicates of an earlier one left out
        (search.duplicates); more are ranked until there are enough or none are left."""
        dup = st.store.col("dup")
        fetch = min(max(total, want), want * 2)  # room for a few folded ones: one ranking, usually
        while True:
            ranked = rank(fetch)
            seen: set[int] = set()
            kept = []
            for d, sc in ranked:
                c = int(dup[d])
                if c >= 0:
                    if c in seen:
                        continue
                    seen.add(c)
                kept.append((d, sc))
                if len(kept) == want:
                    return kept
            if len(ranked) < fetch or fetch >= total:
                return kept
            fetch *= 3

    def _folded(
        self, st: _Opened, parsed: ParsedQuery, request: SearchRequest, total_mask: np.ndarray | None, docs: list[int]
    ) -> list[list[int]]:
        """Per shown paragraph, the near-duplicates the query and filters also match (folded into it)."""
        members = [st.store.duplicates_of(d) for d in docs]
        if not any(len(m) for m in members):
            return [[] for _ in docs]
        if total_mask is not None:
            return [[int(x) for x in m if total_mask[x]] for m in members]
        # A native page never listed its match set: test the few members one by one.
        passes = st.columns.live.copy()
        for mask in self._filter(request).masks(st.columns).values():
            passes &= mask
        store = st.store
        return [
            [int(x) for x in m if passes[x] and parsed.matches(store.key(int(x)), st.title_keys[int(st.columns.article[x])])]
            for m in members
        ]

    @staticmethod
    def _id(st: _Opened, docnum: int) -> str:
        return paragraph_id(st.store.article_of(docnum).id, int(st.columns.position[docnum]))

    @staticmethod
    def _parse(request: SearchRequest) -> tuple[ParsedQuery, tuple[str, ...]]:
        """The request's query, with synonyms added unless it says not to (search.synonyms);
        the limits on terms and OR branches apply to what was typed."""
        parsed = parse(request.query)
        check_query(parsed)
        return expand(parsed) if request.expand else (parsed, ())

    def search(self, request: SearchRequest) -> SearchPage:
        """One page of hits with facet counts over the whole match set."""
        started = time.perf_counter()
        check_request(request, self.max_per_page)
        parsed, expanded = self._parse(request)
        budget.check()
        first = (request.page - 1) * request.per_page
        with self._use() as st:
            request, place_notices = resolve_places(request, st.store.articles)
            ranking = _Ranking(st, parsed, request)
            native = self._native_page(st, parsed, request, ranking) if request.page * request.per_page <= MAX_DEPTH else None
            total_mask: np.ndarray | None = None
            if native is not None:
                total, facets, rank = native
            else:
                matches = self._matches(st, parsed)
                total_mask, facets = count_facets(st.columns, matches, self._filter(request))
                total = int(total_mask.sum())
                if first < total:  # a page past the last one is cheap: it ranks nothing
                    check_depth(request.page, request.per_page)

                def rank(limit: int) -> list[tuple[int, float]]:
                    return self._ordered(st, parsed, total_mask, request, limit, ranking)  # type: ignore[arg-type]

            shown = self._collapsed(st, rank, first + request.per_page, total) if first < total else []
            keys = parsed.highlight_keys()
            budget.check()
            folded = self._folded(st, parsed, request, total_mask, [d for d, _ in shown[first:]])
            hits = tuple(
                self._hit(st, d, s, keys, True, duplicate_ids=tuple(self._id(st, x) for x in f))
                for (d, s), f in budget.checked(zip(shown[first:], folded, strict=True), every=1)
            )
            type_prior = ranking.priors.type_prior if total else ()
            suggested = self._suggestions(st, parsed, request) if not total and parsed.groups else ()
        return SearchPage(
            request=request,
            total=total,
            hits=hits,
            facets=facets,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
            notices=(*place_notices, *parsed.notices),
            type_prior=type_prior,
            suggestions=suggested,
            expanded=expanded,
        )

    def _suggestions(self, st: _Opened, parsed: ParsedQuery, request: SearchRequest) -> tuple[tuple[str, int], ...]:
        """Close queries with hits under the same filters (search.suggest), for a query with none."""
        full = self._filter(request)
        native = getattr(st.backend, "total", None)
        allowed: list[np.ndarray] = []

        def count(p: ParsedQuery) -> int:
            budget.check()
            if native is not None and p.groups and p.plain:  # counted in the backend, no lists
                return native(*p.native_keys, full)
            if not allowed:
                allowed.append(count_facets(st.columns, st.columns.live, full)[0])
            return int(np.count_nonzero(self._matches(st, p) & allowed[0]))

        def found(key: str) -> int:
            return int(np.count_nonzero(self._term_mask(st, Term(key, key)) & st.columns.live))

        def wild(left: str, right: str) -> list[str]:
            """left + one character + right as the text has it (from up to WILD_SAMPLE
            paragraphs that hold the longer side), most frequent first."""
            side = max(left, right, key=len)
            if len(side) < 2:
                return []
            cached = st.piece_cache.get(side)
            docs = cached[:WILD_SAMPLE] if cached is not None else st.backend.docs_with(side, WILD_SAMPLE)
            pattern = re.compile(re.escape(left) + r"(\w)" + re.escape(right))
            seen: dict[str, int] = {}
            for d in docs.tolist():
                for m in pattern.finditer(st.store.key(d)):
                    seen[m.group(0)] = seen.get(m.group(0), 0) + 1
            return sorted(seen, key=lambda k: -seen[k])[:2]

        return suggestions(request.query, parsed, count, found, wild)

    def iter_matches(self, request: SearchRequest) -> HeldMatches:
        """Every paragraph the request matches (no paging, no snippets), in its sort order.

        The request is checked and the matches found before this returns, so a bad query
        raises here and not half-way through a streamed export; the generation stays
        open until the last row has been read (or the iterator is closed).
        """
        check_request(replace(request, page=1, per_page=1), self.max_per_page)
        parsed, _ = self._parse(request)
        st = self._acquire()
        try:
            total_mask, _ = count_facets(st.columns, self._matches(st, parsed), self._filter(request))
            ranked = self._ordered(st, parsed, total_mask, request, None)
        except BaseException:
            self._release(st)
            raise
        deadline = budget.current()
        return HeldMatches(self, st, ranked, deadline.seconds if deadline is not None else None)

    @contextmanager
    def selection(self, request: SearchRequest | None = None) -> Iterator[tuple[_Opened, np.ndarray]]:
        """The current generation held for the block, with the mask of the live paragraphs
        the request's query and filters select (every live one without a request): for
        views built on the store (search.figures, search.compare, search.related)."""
        budget.check()
        with self._use() as st:
            if request is None:
                yield st, st.columns.live
                return
            check_request(replace(request, page=1, per_page=1), self.max_per_page)
            parsed, _ = self._parse(request)
            total_mask, _ = count_facets(st.columns, self._matches(st, parsed), self._filter(request))
            yield st, total_mask

    @contextmanager
    def match_set(self, request: SearchRequest) -> Iterator[MatchSet]:
        """The whole filtered match set of a request (no paging, no snippets), for views that
        count or list every match (search.research): its docnums and the store and columns
        of the generation it came from, held open until the block ends.

        The same matches as `search` on every backend (the engine's own match path)."""
        check_request(replace(request, page=1, per_page=1), self.max_per_page)
        parsed, _ = self._parse(request)  # the search page's semantics: synonyms, limits
        budget.check()
        with self._use() as st:
            corpus = st.columns.live.copy()
            for m in self._filter(request).masks(st.columns).values():
                corpus &= m
            yield MatchSet(self, st, request, parsed, corpus)

    # documents -----------------------------------------------------------------

    @staticmethod
    def _summary(st: _Opened, article_id: str, docs: np.ndarray) -> ArticleSummary:
        a = st.store.articles[st.columns.article_ids[article_id]]
        return ArticleSummary(
            id=article_id,
            title=a.title,
            province=a.province,
            city=a.city,
            district=a.district,
            year=a.year,
            published=a.published,
            source=a.source,
            paragraphs=len(docs),
            doc_type=a.doc_type,
            level=a.level,
            delivered=a.delivered,
        )

    def document(self, article_id: str, query: str = "") -> DocumentView:
        """The whole article; the paragraphs the query matches are flagged and highlighted.

        A query that cannot be parsed is shown without highlights, not as an error: the
        article is still worth reading.
        """
        try:
            parsed, _ = expand(parse(query))
        except QuerySyntaxError:
            parsed = parse("")
        with self._use() as st:
            docs = st.columns.article_docs(article_id)
            if not len(docs):
                raise ArticleNotFound(f"No article with id {article_id!r} is in the index.")
            matched = self._matches(st, parsed) if not parsed.is_empty else np.zeros(st.columns.size, dtype=bool)
            keys = parsed.highlight_keys()
            paragraphs = []
            for docnum in budget.checked(docs.tolist(), every=64):
                text = st.store.text(docnum)
                is_match = bool(matched[docnum])
                paragraphs.append(
                    DocParagraph(
                        position=int(st.columns.position[docnum]),
                        text=text,
                        html=highlight(text, keys, st.store.key(docnum)) if is_match else highlight(text, ()),
                        section=st.store.section(docnum),
                        is_heading=bool(st.columns.heading[docnum]),
                        themes=st.store.themes(docnum),
                        matched=is_match,
                        role=st.store.role(docnum),
                    )
                )
            return DocumentView(self._summary(st, article_id, docs), tuple(paragraphs), query)

    def titles(self, article_ids: Iterable[str]) -> dict[str, str]:
        """The titles of those of `article_ids` that are in the index."""
        with self._use() as st:
            index = st.columns.article_ids
            return {a: st.store.articles[index[a]].title for a in article_ids if a in index}

    def articles(self) -> list[ArticleSummary]:
        """Every article in the index, in index order, with its paragraph count."""
        with self._use() as st:
            return [self._summary(st, a, st.columns.article_docs(a)) for a in st.columns.article_order]

    def close(self) -> None:
        """Close the open generation (a later search opens it again)."""
        with self._lock:
            if self._opened is not None:
                self._opened.retired = True
                if self._opened.users == 0:
                    self._opened.close()
            self._opened = None


# A match set counted by the backend (article_counts) and this large is ranked by the
# backend too, not listed: listing costs tantivy about half a microsecond a match (a Python
# object per hit), while ranking the query natively and testing a page's few articles
# paragraph by paragraph (MatchSet.ranked within) does not grow with the matches.
NATIVE_RANK_MIN = 20_000


class MatchSet:
    """What `SearchEngine.match_set` yields: valid only inside its `with` block.

    `mask` marks the live paragraphs the request matches (query and filters), `corpus`
    those that pass the filters alone (the denominator of shares); `docs` lists the
    matches by docnum. `columns` and `store` are the generation's facet columns and
    paragraph data (text, search keys, articles).

    The match set is listed when first asked for: a backend that counts and ranks on
    its own (tantivy) answers article_counts and ranked without listing it, as it does
    for the search page.
    """

    def __init__(self, engine: SearchEngine, st: _Opened, request: SearchRequest, parsed: ParsedQuery, corpus: np.ndarray) -> None:
        self._engine, self._st = engine, st
        self.request, self.parsed = request, parsed
        self.corpus = corpus
        self.columns: Columns = st.columns
        self.store: Store = st.store
        self._mask: np.ndarray | None = None
        self._docs: np.ndarray | None = None
        self._native_total: int | None = None  # the matches counted by the backend, unlisted
        self._ranking = _Ranking(st, parsed, request)

    @property
    def mask(self) -> np.ndarray:
        if self._mask is None:
            self._mask = self._engine._matches(self._st, self.parsed) & self.corpus
        return self._mask

    @property
    def docs(self) -> np.ndarray:
        if self._docs is None:
            self._docs = np.flatnonzero(self.mask)
        return self._docs

    def _listed(self) -> bool:
        """Whether the matches are listed already, or must be (no native counting)."""
        return self._mask is not None or not SearchEngine._counts_natively(self._st, self.parsed)

    def article_counts(self) -> np.ndarray:
        """How many matches each article holds (indexed like store.articles)."""
        n = len(self.store.articles)
        if self._listed():
            return np.bincount(self.columns.article[self.docs], minlength=n)
        _, per_article, _ = self._st.backend.count(*self.parsed.native_keys, self._engine._filter(self.request), False)
        out = np.zeros(n, dtype=np.int64)
        if per_article:
            out[np.fromiter(per_article, dtype=np.int64, count=len(per_article))] = list(per_article.values())
        self._native_total = int(out.sum())
        return out

    def ranked(self, limit: int | None = None, within: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(docnum, score) of the matches in the request's sort order, as `search` ranks them;
        with `within` (a mask), of the matches it marks only: a paragraph's score and place
        do not depend on which others are ranked with it."""
        eng, st = self._engine, self._st
        if within is not None:
            return eng._ordered(st, self.parsed, self._within(within), self.request, limit, self._ranking, native=False)
        native_total = self._native_total if self._mask is None else None
        if native_total is not None and native_total >= NATIVE_RANK_MIN and limit is not None and limit <= MAX_DEPTH:
            plan = eng._native_plan(st, self.parsed, self.request, self._ranking)
            if plan is not None:
                return st.backend.top(replace(plan, limit=limit))
        return eng._ordered(st, self.parsed, self.mask, self.request, limit, self._ranking)

    def docs_from(self, offset: int, limit: int) -> np.ndarray:
        """The matches from the `offset`-th by docnum, `limit` of them: a backend that
        matches on its own (tantivy) lists only those, not the whole match set."""
        first = getattr(self._st.backend, "first", None)
        if first is None or self._listed():
            return self.docs[offset : offset + limit]
        return first(*self.parsed.native_keys, self._engine._filter(self.request), offset, limit)

    def _within(self, within: np.ndarray) -> np.ndarray:
        """The matches among `within`; when they are not listed, its few paragraphs that
        pass the filters are tested one by one (as a native search page tests its folded ones)."""
        if self._listed():
            return self.mask & within
        store, article, titles = self.store, self.columns.article, self._st.title_keys
        out = np.zeros(self.columns.size, dtype=bool)
        for d in budget.checked(np.flatnonzero(self.corpus & within).tolist()):
            out[d] = self.parsed.matches(store.key(d), titles[int(article[d])])
        return out

    def hit(self, docnum: int, score: float = 0.0) -> Hit:
        """The paragraph as a search hit, its snippet highlighted for the query."""
        return self._engine._hit(self._st, docnum, score, self.parsed.highlight_keys(), True)


class HeldMatches(Iterator[Hit]):
    """The hits of iter_matches, holding their generation open until read or closed.

    With a budget (`seconds`, the request's), the time spent producing rows is summed
    (not the time the reader takes between rows: a slow download is not slow work), and
    the rows stop with OverBudget once it runs out.
    """

    def __init__(
        self, engine: SearchEngine, st: _Opened, ranked: list[tuple[int, float]], seconds: float | None = None
    ) -> None:
        self._engine, self._st = engine, st
        self._ranked = iter(ranked)
        self._held = True
        self.total = len(ranked)
        self._seconds = seconds
        self._spent = 0.0

    def __next__(self) -> Hit:
        if not self._held:
            raise StopIteration
        try:
            d, s = next(self._ranked)
        except StopIteration:
            self.close()
            raise
        if self._seconds is None:
            return self._engine._hit(self._st, d, s, (), False)
        t0 = time.monotonic()
        hit = self._engine._hit(self._st, d, s, (), False)
        self._spent += time.monotonic() - t0
        if self._spent > self._seconds:
            self.close()
            raise budget.OverBudget(
                f"This export needed more than its time budget of {self._seconds:g} s and was cut short."
            )
        return hit

    def close(self) -> None:
        if self._held:
            self._held = False
            self._engine._release(self._st)

    def __del__(self) -> None:
        self.close()
