"""Where a "next" parameter may send the user back to: one rule for every view that takes one.

Only a path on this site ("/opp/12/"), never another host, a scheme, "//evil.example" or a bare word — Django's
`redirect()` would try a bare word ("0", "home") as a URL name and fail with a 500.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The posted (or, failing that, queried) "next" when it is a local path, else `fallback`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (candidate.startswith("/") and not candidate.startswith("//") and "\\" not in candidate
            and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure())):
        return candidate
    return fallback
