"""The pupil register's pages under /leerlingen/. The portal adds its staff pages for a pupil (invitations, the
inzage) to this "students" namespace from the roof (opp_portal/urls.py, portal/staff_urls.py): pupils stand below
the portal and name none of its views."""

from django.urls import include, path

from . import views

app_name = "students"

urlpatterns = [
    path("", views.student_list, name="list"),
    path("export.csv", views.student_export, name="export"),
    path("nieuw/", views.student_create, name="create"),
    path("<int:pk>/", views.student_detail, name="detail"),
    path("<int:pk>/wijzigen/", views.student_edit, name="edit"),
    path("<int:pk>/ouders/nieuw/", views.guardian_add, name="guardian_add"),
    path("<int:pk>/ouders/<int:link_pk>/wijzigen/", views.guardian_edit, name="guardian_edit"),
    path("<int:pk>/ouders/<int:link_pk>/verwijderen/", views.guardian_remove, name="guardian_remove"),
    path("<int:pk>/plaatsingen/nieuw/", views.placement_add, name="placement_add"),
    path("<int:pk>/plaatsingen/<int:event_pk>/wijzigen/", views.placement_edit, name="placement_edit"),
    path("import/", include("students.import_urls")),
]
