from django.contrib.auth import views as auth_views
from django.urls import path

from . import audit_views, views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("start/", views.staff_start, name="staff_start"),
    path("account/berichten/", views.notification_preferences, name="notification_preferences"),
    path("logboek/", audit_views.audit_log, name="audit_log"),
]
