"""Mounted at /account/ (opp_portal/urls.py). Everything under tweestaps/ is reachable before the second
factor is passed (security.policy.OTP_PREFIX); the rest is not."""

from django.urls import path

from security import views

urlpatterns = [
    path("tweestaps/controle/", views.verify, name="otp_verify"),
    path("tweestaps/instellen/", views.setup, name="otp_setup"),
    path("tweestaps/herstelcodes/", views.backup_codes, name="otp_backup_codes"),
    path("tweestaps/uitzetten/", views.remove, name="otp_remove"),
    path("beveiliging/", views.account_security, name="account_security"),
    path("wachtwoord/", views.PasswordChangeView.as_view(), name="password_change"),
]
