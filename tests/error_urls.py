"""The project's URLs plus a view that fails, for the 500 page tests (tests/test_security_headers.py)."""

from django.urls import path

from opp_portal.urls import handler404, handler500  # noqa: F401 (the handlers)
from opp_portal.urls import urlpatterns as project_patterns

SECRET_DETAIL = "geheime-foutdetails-7391"


def failing_view(request):
    raise RuntimeError(f"kapot: {SECRET_DETAIL}")


def database_down_view(request):
    from django.db import OperationalError

    raise OperationalError(f"could not connect to server: Connection refused ({SECRET_DETAIL})")


urlpatterns = [*project_patterns, path("test-fout/", failing_view, name="test_failure"),
               path("test-database-weg/", database_down_view, name="test_database_down")]
