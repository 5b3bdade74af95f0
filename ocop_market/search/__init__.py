"""Product search. Only this package imports the search engines (`tantivy`, `whoosh`).

The interface (everything else uses only this; a different backend can serve it later):

    from ocop_market.search import get_search, SearchQuery

    search = get_search()                      # per app and process; index in SEARCH_INDEX_DIR
    q = SearchQuery.from_args(request.args)    # or SearchQuery(q="hat de", stars=4, sort="price_asc", ...)
    result = search.query(q)                   # -> SearchResult
    result.hits      # [SearchHit(id, score, highlights={"name","producer","place": escaped HTML with <mark>})]
    result.ids       # product ids of this page, best first; load the rows with catalog services
    result.total, result.page, result.per_page, result.pages
    result.facets    # {"group": {code: n}, "stars": {5: n, 4: n, 3: n}, "province": {slug: n}}
                     # each dimension counted with every *other* active filter applied
    result.suggestion  # "Bạn có muốn tìm: …" text (a corrected query) or None
    result.terms     # folded words that matched, for `highlight.highlight()` / `highlight.snippet()`
    search.suggest("hat d", limit=8)           # -> [Suggestion(id, name, slug)] for autocomplete

`SearchQuery` is the one query model of the search page and the JSON API. It validates itself: a bad
`sort`, `group`, `stars`, `province`, price or `page` raises `InvalidSearchParameter` (an `InvalidInput`,
so a 400) whose `.parameter` names the parameter. `from_args(args, per_page=24, max_per_page=None,
long_q="cut", provinces=None)` reads a query string; the JSON API (api/params.py) reads a capped
`per_page`, refuses an over-long `q` and an unknown province, and words refusals for developers.
Sorts: relevance (default; newest when there are no words), price_asc, price_desc, newest, stars, best_selling
("Bán chạy": units delivered, Product.sold_count, ties the newest listing by id; a delivery's bulk UPDATE reaches the
index through the outbox like any product change. An index built before the figure existed sorts it as 0 until
`search reindex`; tantivy's schema version 2 makes `make serve` rebuild it), top_rated ("Đánh giá cao": the buyers'
visible average to two decimals, then the number of reviews, ties by id — one key, catalog.models.rating_key, from
Product.rating_sum/rating_count, which a review's conditional UPDATE moves; the review text is never indexed;
tantivy's schema version 3 asks for a reindex).
Filters: group (OCOP group code), stars (3-5, valid certificate only), province (slug), min_price,
max_price (integer VND), in_stock.

Only approved products of verified producers are indexed. The index follows the database through
the outbox (`outbox.py`): catalog changes write `search_outbox` rows in their own transaction, and
the rows are applied after commit. Maintenance:

    flask --app wsgi search apply      # apply pending outbox rows now
    flask --app wsgi search reindex    # build a new generation beside the live one, switch atomically
    flask --app wsgi search verify     # compare index and database; exit 1 naming differing products

Backends (`get_search()` picks one per app with `backend_kind(app)` in service.py), all behind one query
planner (planner.py: what a query means — folding, synonyms and units from lexicon.txt, tiers, relaxation,
typo correction, suggestions, facets, paging — decided once, in terms of matching.py's small tree):
- "tantivy" (default; tantivy_backend.py, the only importer of `tantivy`): an embedded Rust index under
  SEARCH_INDEX_DIR/tantivy, one writer per machine (flock), every worker's reader follows each commit;
- "whoosh" (whoosh_backend.py, the only importer of `whoosh`): the older embedded index, pure Python;
- "postgres" (pg_backend.py; SEARCH_BACKEND=postgres on PostgreSQL only, else a warning and the default):
  full-text search in the database; the `search_documents` rows are written by the same session hooks in
  the catalog transaction itself (`outbox._before_commit`), so several machines share one current index.
After switching backend, run `flask --app wsgi search reindex` once. All three give the same results on
the relevance set (tests/unit/test_search_relevance.py; PostgreSQL when TEST_DATABASE_URL is set).

Modules: types (query/result values), service (SearchService, outbox apply, reindex, verify), planner,
matching, spelling (typo correction, "did you mean"), lexicon (+ lexicon.txt), documents (product ->
document, folding via ocop_market.text), generations (file index generations and the write lock),
the three engines, highlight (safe <mark>), outbox (session hooks), views (the search page), cli.
"""
from __future__ import annotations

from flask import Flask

from .service import ApplyReport, Drift, SearchService, get_search
from .types import InvalidSearchParameter, SearchHit, SearchQuery, SearchResult, Suggestion

__all__ = [
    "ApplyReport", "Drift", "InvalidSearchParameter", "SearchHit", "SearchQuery", "SearchResult",
    "SearchService", "Suggestion", "get_search", "index_health",
]

#: outbox rows older than this mean the index is not keeping up (health turns "not ok")
MAX_LAG_SECONDS = 600


def index_health(app: Flask) -> dict:
    """For /healthz: is the index readable, how many documents, how far behind is the outbox."""
    service = get_search(app)
    report: dict = {"ok": False, "path_exists": service.index_exists()}
    try:
        report["documents"] = service.doc_count()
    except Exception as exc:  # a health probe reports, never crashes
        report["error"] = exc.__class__.__name__
        return report
    try:
        pending, oldest = service.outbox_lag()
    except Exception as exc:
        report["error"] = exc.__class__.__name__
        return report
    report["outbox_pending"] = pending
    report["outbox_oldest_seconds"] = None if oldest is None else round(oldest, 1)
    report["ok"] = report["path_exists"] and (oldest is None or oldest < app.config.get(
        "SEARCH_MAX_LAG_SECONDS", MAX_LAG_SECONDS))
    return report
