"""URLs of the pupil CSV import. Included by students/urls.py as `path("import/", include(import_urls))`
inside the "students" namespace, so no app_name here."""

from django.urls import path

from . import import_views

urlpatterns = [
    path("", import_views.import_upload, name="import_upload"),
    path("<int:pk>/", import_views.import_preview, name="import_preview"),
    path("<int:pk>/importeren/", import_views.import_apply, name="import_apply"),
    path("<int:pk>/verwerpen/", import_views.import_discard, name="import_discard"),
]
