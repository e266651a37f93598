"""Whether a page already loaded a relation: the one check behind every "no query when the caller loaded it" path.

Pages load a pupil or a plan once with prefetch_related (opp.selectors.load_pupil, load_editor_version,
portal.selectors.child_page_plans …); the readers below them answer from that load when it is there, and query
otherwise. `loaded(obj, "plans__versions__actions")` says whether every step of the path is prefetched on every
object along it, so a reader never mistakes a partial load for a complete one.
"""

from __future__ import annotations

from collections.abc import Iterable


def _cache(obj) -> dict:
    return getattr(obj, "_prefetched_objects_cache", {})


def loaded(objs, path: str) -> bool:
    """`objs` (one model instance or several): is each relation of `path` ("versions__consent_requests") prefetched
    on every object it reaches? Empty relations count as loaded."""
    level = list(objs) if isinstance(objs, Iterable) else [objs]
    for name in path.split("__"):
        if not all(name in _cache(o) for o in level):
            return False
        level = [child for o in level for child in _cache(o)[name]]
    return True
