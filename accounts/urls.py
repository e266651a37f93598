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
    # Four eyes on access (issue 16): the schoolleider or bestuurder approves what the beheerder asked.
    path("account/goedkeuren/", views.approval_list, name="approvals"),
    path("account/goedkeuren/<int:pk>/", views.approval_decide, name="approval_decide"),
    # A staff account's activation link (issue 16); the password page before the token pattern.
    path("account/activeren/", views.activation_exchange, name="activation_exchange"),
    path("account/activeren/wachtwoord/", views.activation_password, name="activation_password"),
    path("account/activeren/<str:token>/", views.activation_landing, name="activation_landing"),
]
