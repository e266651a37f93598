"""The page benchmark's own urlconf (bench/pages.py sets it with override_settings): the app's URLs plus a
trivial view to compare against. Never part of the app's urls."""

from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    """The cheapest page through the same middleware: session, user, 2FA check, CSP, security headers."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench-trivial/", trivial, name="bench_trivial"),
    path("", include("opp_portal.urls")),
]
