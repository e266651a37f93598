from django.urls import include, path

from accounts.admin import admin_site

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
]
