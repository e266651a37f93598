from django.urls import include, path

from . import views

app_name = "swv"

urlpatterns = [
    path("leerlingen/<int:pk>/toelaatbaarheid/", views.pupil, name="pupil"),
    path("leerlingen/<int:pk>/toelaatbaarheid/nieuw/", views.record, name="record"),
    path("besluiten/<int:pk>/intrekken/", views.withdraw, name="withdraw"),
    path("besluiten/<int:pk>/document/", views.document, name="document"),
    path("besluiten/<int:pk>/document/toevoegen/", views.upload, name="upload"),
    path("", include("swv.overview_urls")),
    path("", include("swv.request_urls")),
]
