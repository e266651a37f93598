"""opp_portal.redirects.safe_next: one rule for every "next" parameter (found by the form fuzzer: next='0' was a 500)."""

import pytest
from django.test import RequestFactory

from opp_portal.redirects import safe_next


@pytest.mark.parametrize("posted, expected", [
    ("/opp/12/", "/opp/12/"),
    ("/leerlingen/?termijn=te_laat", "/leerlingen/?termijn=te_laat"),
    ("0", "/fallback/"),  # a bare word: redirect() would try it as a URL name
    ("home", "/fallback/"),
    ("//evil.example/", "/fallback/"),
    ("https://evil.example/", "/fallback/"),
    ("/\\evil.example", "/fallback/"),
    ("javascript:alert(1)", "/fallback/"),
    ("", "/fallback/"),
])
def test_only_a_local_path_is_followed(posted, expected):
    request = RequestFactory().post("/x/", {"next": posted})
    assert safe_next(request, "/fallback/") == expected


def test_a_query_next_is_read_when_nothing_is_posted():
    assert safe_next(RequestFactory().get("/x/", {"next": "/account/"}), "/f/") == "/account/"
