"""Login (also by single sign-on), logout, the staff activation link and the four-eyes approvals. The 2FA pages are in otp_urls.py."""

from django.urls import path

from security import sso_views, views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", sso_views.LogoutView.as_view(), name="logout"),
    # Single sign-on with the school's identity provider (OpenID Connect); 404 unless OIDC_ISSUER is set.
    path("accounts/sso/start/", sso_views.start, name="sso_start"),
    path("accounts/sso/callback/", sso_views.callback, name="sso_callback"),
    path("accounts/sso/uitgelogd/", sso_views.logged_out, name="sso_logged_out"),
    # Four eyes on access: the schoolleider or bestuurder approves what the beheerder asked.
    path("account/goedkeuren/", views.approval_list, name="approvals"),
    path("account/goedkeuren/<int:pk>/", views.approval_decide, name="approval_decide"),
    # A staff account's activation link; the password page before the token pattern.
    path("account/activeren/", views.activation_exchange, name="activation_exchange"),
    path("account/activeren/wachtwoord/", views.activation_password, name="activation_password"),
    path("account/activeren/<str:token>/", views.activation_landing, name="activation_landing"),
]
