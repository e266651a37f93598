from django.urls import path

from audit import views

urlpatterns = [
    path("logboek/", views.audit_log, name="audit_log"),
]
