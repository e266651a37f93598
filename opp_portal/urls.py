import re

from django.conf import settings
from django.contrib.staticfiles import views as staticfiles_views
from django.urls import include, path, re_path

from accounts.admin import admin_site

# The production pages, and with DEBUG on too (accounts.security.DevelopmentErrorPagesMiddleware).
handler404 = "accounts.security_views.not_found"
handler500 = "accounts.security_views.server_error"

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("health.urls")),
    path("account/", include("accounts.security_urls")),
    path("leerlingen/", include("students.urls")),
    path("opp/", include("opp.urls")),
    path("evaluaties/", include("evaluations.urls")),
    path("geschillen/", include("disputes.urls")),
    path("portaal/", include("portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("beheer/", admin_site.urls),
    # Static files for `runserver --nostatic` with DEBUG on, through the middleware so that they carry the same
    # headers as every page. The view answers 404 when DEBUG is off: in production the proxy serves /static/.
    re_path(rf"^{re.escape(settings.STATIC_URL.lstrip('/'))}(?P<path>.*)$", staticfiles_views.serve),
]
