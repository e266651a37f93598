"""Walk every URL pattern of the project (shared by tests/test_url_sweep.py and tests/test_authz_sweep.py).

`ROUTES` holds one `Route` per pattern: a sample path that resolves to it (dummy values for its kwargs),
its name, the kwarg names it takes, and `build(values)` for a path with real values.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, converters, get_resolver

DUMMY_UUID = uuid.UUID("12345678-1234-5678-1234-567812345678")
_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass
class Route:
    path: str  # a sample path with dummy kwargs
    name: str | None
    namespace: str
    callback: object
    patterns: tuple = field(repr=False, default=())
    kwargs: tuple[str, ...] = ()

    @property
    def pattern(self) -> str:
        """The pattern as written ("opp/versie/<int:pk>/"): the key of an unnamed route."""
        return "".join(str(p) for p in self.patterns)

    @property
    def key(self) -> str:
        return self.name or f"{self.namespace}{self.pattern}"

    def build(self, values: dict) -> str:
        """The path with `values` for the kwargs (any kwarg left out keeps its dummy value)."""
        return "/" + "".join(_sample(p, values) for p in self.patterns)


def _converter_value(conv):
    if isinstance(conv, converters.IntConverter):
        return "1"
    if isinstance(conv, converters.UUIDConverter):
        return str(DUMMY_UUID)
    return "x"  # str, slug, path and custom string-like converters


def _route_sample(route: str, convs: dict, values: dict | None = None) -> str:
    values = values or {}

    def sub(match):
        name = match.group("name")
        return str(values[name]) if name in values else _converter_value(convs[name])

    return _ROUTE_PARAM.sub(sub, route)


def _regex_sample(regex: str, values: dict | None = None) -> str:
    """A short string the regex matches (enough for the admin's app_list and catch-all patterns)."""
    from re import _constants as c
    from re import _parser as p

    values = values or {}
    parsed = p.parse(regex)
    group_names = {index: name for name, index in parsed.state.groupdict.items()}

    def gen(items):
        out = []
        for op, av in items:
            if op is c.LITERAL:
                out.append(chr(av))
            elif op is c.ANY:
                out.append("x")
            elif op is c.IN:
                out.append(gen_in(av))
            elif op is c.BRANCH:
                out.append(gen(av[1][0]))
            elif op is c.SUBPATTERN:
                name = group_names.get(av[0])
                out.append(str(values[name]) if name in values else gen(av[-1]))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                lo, hi, sub = av
                out.append(gen(sub) * max(lo, 1 if hi else 0))
            elif op is c.AT:
                continue
            else:
                raise NotImplementedError(f"regex {regex!r}: {op}")
        return "".join(out)

    def gen_in(items):
        for op, av in items:
            if op is c.NEGATE:
                return "x"
            if op is c.LITERAL:
                return chr(av)
            if op is c.RANGE:
                return chr(av[0])
            if op is c.CATEGORY:
                return "1" if av is c.CATEGORY_DIGIT else "x"
        raise NotImplementedError(regex)

    return gen(parsed)


def _sample(pattern, values: dict | None = None) -> str:
    if hasattr(pattern, "_route"):  # RoutePattern
        return _route_sample(pattern._route, pattern.converters, values)
    return _regex_sample(pattern._regex, values)


def _kwarg_names(pattern) -> tuple[str, ...]:
    if hasattr(pattern, "_route"):
        return tuple(m.group("name") for m in _ROUTE_PARAM.finditer(pattern._route))
    return tuple(re.compile(pattern._regex).groupindex)


def _walk(patterns, prefix=(), namespace=""):
    for entry in patterns:
        chain = (*prefix, entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, chain, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            kwargs = tuple(k for p in chain for k in _kwarg_names(p))
            yield Route("/" + "".join(_sample(p) for p in chain), name, namespace, entry.callback, chain, kwargs)


ROUTES = list(_walk(get_resolver().url_patterns))
