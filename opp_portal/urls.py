import re

from django.conf import settings
from django.contrib.staticfiles import views as staticfiles_views
from django.urls import include, path, re_path

from portal import staff_urls as portal_staff_urls
from security.admin import admin_site
from students import urls as student_urls

# The production pages, and with DEBUG on too (security.policy.DevelopmentErrorPagesMiddleware).
handler404 = "security.views.not_found"
handler500 = "security.views.server_error"

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("security.urls")),
    path("", include("audit.urls")),
    path("", include("health.urls")),
    path("account/", include("security.otp_urls")),
    # One "students" namespace for the pupil pages, the pupil register's own and the portal's (invitations, inzage):
    # pupils stand below the portal, so the roof puts the two together (a namespace included twice reverses only once).
    path("leerlingen/", include((student_urls.urlpatterns + portal_staff_urls.urlpatterns, student_urls.app_name))),
    path("opp/", include("opp.urls")),
    path("evaluaties/", include("evaluations.urls")),
    path("geschillen/", include("disputes.urls")),
    path("swv/", include("swv.urls")),
    path("portaal/", include("portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("beheer/", admin_site.urls),
    # Static files for `runserver --nostatic` with DEBUG on, through the middleware so that they carry the same
    # headers as every page. The view answers 404 when DEBUG is off: in production the proxy serves /static/.
    re_path(rf"^{re.escape(settings.STATIC_URL.lstrip('/'))}(?P<path>.*)$", staticfiles_views.serve),
]
