"""Pages for the second factor, backup codes, the account's security overview and password change."""

from __future__ import annotations

import sys
from urllib.parse import urlencode

from django import db
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import access
from audit import log as audit
from opp_portal import files
from opp_portal.forms import ServiceErrors, apply_errors
from opp_portal.redirects import safe_next
from ratelimits import limits
from security import access as security_access
from security import activation, approvals, otp, sso
from security import policy as security
from security.forms import ActivationPasswordForm, EnrolForm, LoginForm, TokenForm


def _next_url(request) -> str:
    return safe_next(request, reverse("home"))


@login_required
def verify(request):
    """Second step after the password: a TOTP code or a backup code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not security.has_confirmed_device(user):
        return redirect(f"{reverse('otp_setup')}?next={_next_url(request)}")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        if otp.verify_login(request, form.cleaned_data["token"]):
            left = otp.remaining_codes(user)
            if left <= 3:
                messages.warning(request, _("U heeft nog %(n)s herstelcodes. Maak nieuwe aan via Beveiliging.") % {"n": left})
            return redirect(_next_url(request))
        form.add_error("token", _("Deze code klopt niet of is al gebruikt. Wacht op de volgende code in de app "
                                  "en probeer het opnieuw. Na meerdere fouten moet u steeds iets langer wachten."))
    return render(request, "security/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def setup(request):
    """Enrolment: scan the QR code (or type the key), confirm with a first code, receive backup codes once."""
    user = request.user
    if security.has_confirmed_device(user) and not user.is_verified():
        # Never a way around the second factor: a new device needs the old one first.
        return redirect(f"{reverse('otp_verify')}?next={reverse('otp_setup')}")
    device = otp.pending_totp(user)
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        codes = otp.confirm_enrolment(request, device, form.cleaned_data["token"])
        if codes is not None:
            messages.success(request, _("Tweestapsverificatie staat aan."))
            return render(request, "security/otp_backup_codes.html",
                          {"codes": codes, "next": _next_url(request), "first_time": True})
        form.add_error("token", _("Deze code klopt niet. Controleer of de tijd op uw telefoon goed staat en "
                                  "typ de code die de app nu toont."))
    return render(request, "security/otp_setup.html", {
        "form": form, "qr": otp.qr_data_uri(device), "secret": otp.secret_base32(device), "issuer": otp.issuer(),
        "next": _next_url(request), "replacing": security.has_confirmed_device(user),
        "required": access.is_staff_account(user) and settings.OPP_REQUIRE_2FA,
    })


@login_required
@require_POST
def backup_codes(request):
    """New backup codes replace the old ones; shown once on this response, never again."""
    if not request.user.is_verified():
        return redirect(f"{reverse('otp_verify')}?next={reverse('account_security')}")
    codes = otp.new_backup_codes(request.user)
    return render(request, "security/otp_backup_codes.html", {"codes": codes, "next": reverse("account_security")})


@login_required
@require_POST
def remove(request):
    """Switch 2FA off: only for accounts that are not required to use it (parents), and only when verified."""
    user = request.user
    if access.is_staff_account(user) and settings.OPP_REQUIRE_2FA:
        messages.error(request, _("Voor medewerkers is tweestapsverificatie verplicht; u kunt die niet uitzetten."))
        return redirect("account_security")
    if security.has_confirmed_device(user) and not user.is_verified():
        return redirect(f"{reverse('otp_verify')}?next={reverse('account_security')}")
    otp.remove(user, by=user)
    # This session was verified by the device just removed: as django-otp would on the next request.
    request.session.pop(otp.DEVICE_ID_SESSION_KEY, None)
    messages.success(request, _("Tweestapsverificatie staat uit."))
    return redirect("account_security")


@login_required
def account_security(request):
    user = request.user
    device = otp.confirmed_totp(user)
    return render(request, "security/account_security.html", {
        "device": device, "remaining": otp.remaining_codes(user) if device else 0,
        "required": access.is_staff_account(user) and settings.OPP_REQUIRE_2FA,
        "verified": user.is_verified(),
    })


class PasswordChangeView(auth_views.PasswordChangeView):
    """Own password: every other session of the account ends; this one gets a new id and goes on."""

    template_name = "security/password_change.html"
    success_url = reverse_lazy("account_security")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        labels = {"old_password": _("Huidig wachtwoord"), "new_password1": _("Nieuw wachtwoord"),
                  "new_password2": _("Nieuw wachtwoord (nogmaals)")}
        for name, label in labels.items():
            form.fields[name].label = label
        return form

    def form_valid(self, form):
        response = super().form_valid(form)  # saves (the signal ends all sessions) and cycles this session
        security.index_session(self.request, self.request.user)
        audit.record(self.request.user, audit.Action.PASSWORD_CHANGED)
        messages.success(self.request, _("Uw wachtwoord is gewijzigd. U bent op uw andere apparaten uitgelogd."))
        return response


# --- Error pages (handler404/handler500 in opp_portal/urls.py; in `make run` too) ------------

#: What a 500 shows if even the template fails: nothing about the error, in Dutch.
_PLAIN_500 = ("<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Er ging iets mis · OPP-portaal"
              "</title></head><body><main><h1>Er ging iets mis</h1><p>Er is een fout opgetreden. Probeer het later "
              "opnieuw.</p><p><a href=\"/\">Terug naar de startpagina</a></p></main></body></html>")


def not_found(request, exception=None):
    """The 404 page: the same words for a page that does not exist and an object the user may not see."""
    return render(request, "404.html", status=404)


#: When the database or the object store cannot be reached: a Dutch 503 that asks to try again, not an error.
_PLAIN_503 = ("<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Even niet beschikbaar · OPP-portaal"
              "</title></head><body><main><h1>Het OPP-portaal is even niet beschikbaar</h1><p>Probeer het over een "
              "minuut opnieuw.</p></main></body></html>")
#: Seconds a client (or the proxy) is asked to wait before trying again during a database outage.
RETRY_AFTER_SECONDS = 30


def _current_error(request) -> BaseException | None:
    """The error being handled: handler500 runs inside Django's except block, so the exception is the current one; in
    `make run` the development middleware kept it on the request."""
    return sys.exc_info()[1] or getattr(request, "opp_error", None)


def _unavailable(request) -> bool:
    """Is the error a lost or refused connection to the database or to the object store (opp_portal.files)?"""
    return isinstance(_current_error(request), (db.OperationalError, db.InterfaceError, files.StorageUnavailable))


def server_error(request):
    """The 500 page, rendered without the request (the fault may lie in what a request context needs: the session,
    the database, the menu), so that it shows no menu and never a detail of the error. When the database or the object
    store cannot be reached it is a 503 "even niet beschikbaar" with Retry-After: the request wrote nothing (each
    request is one transaction or none), and the portal recovers by itself when they are back. A stored file that no
    longer matches its hash (files.Damaged) gets its own page."""
    unavailable = _unavailable(request)
    if isinstance(_current_error(request), files.Damaged):
        # A stored file no longer matches its recorded hash (or is gone): said plainly, logged as an error by Django.
        try:
            return HttpResponseServerError(loader.render_to_string("file_damaged.html"))
        except Exception:  # noqa: BLE001 -- as below: a page, not a second error
            return HttpResponseServerError(_PLAIN_500)
    try:
        # Without a request there is no CSRF token for base.html's language form (Django warns of it under DEBUG):
        # on this page that form cannot post, and nothing else on it posts.
        html = loader.render_to_string("503.html" if unavailable else "500.html")
    except Exception:  # noqa: BLE001 -- whatever broke, the visitor gets a page and not a second error
        html = _PLAIN_503 if unavailable else _PLAIN_500
    if unavailable:
        response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(html)


# --- Login ---------------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if sso.enabled():  # the school's identity provider first; the password stays for parents and as fallback
            context["sso_label"] = sso.label()
            context["sso_url"] = f"{reverse('sso_start')}?{urlencode({'next': _next_url(self.request)})}"
        return context


# --- Four eyes on access --------------------------------------------------------------------------


@login_required
def approval_list(request):
    """What the beheerder asked and this schoolleider or bestuurder decides on; no pupil data."""
    security_access.require_approver(request.user)
    rows = list(security_access.pending_for(request.user))
    return render(request, "security/approvals.html", {"rows": rows})


@login_required
@require_POST
def approval_decide(request, pk):
    approval = security_access.approval_for_approver(request.user, pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Kies goedkeuren of weigeren."))
        return redirect("approvals")
    with ServiceErrors(request=request) as outcome:
        if decision == "approve":
            approvals.approve(approval=approval, approver=request.user)
        else:
            approvals.refuse(approval=approval, approver=request.user)
    if outcome.ok:
        messages.success(request, _("Goedgekeurd.") if decision == "approve" else _("Geweigerd."))
    return redirect("approvals")


# --- Activation of a staff account -------------------------------------------------------------------


def _private(response):
    # As the parent invitations (portal/views.py): the page that held the token is never sent on in a Referer.
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    return response


#: The activation pages take a one-time token: limited per client address like the parent invitations.
_per_address = limits.per_address("invitation", "OPP_RATELIMIT_INVITATION")


def _activation_problem(request, problem):
    return _private(render(request, "security/activation_problem.html", {"problem": problem}, status=410))


@never_cache
@_per_address
def activation_landing(request, token):
    """The e-mailed link. A GET exchanges nothing (mail scanners follow links): the page POSTs the token."""
    return _private(render(request, "security/activation_landing.html", {"token": token}))


@never_cache
@require_POST
@_per_address
def activation_exchange(request):
    try:
        exchanged = activation.exchange(request.POST.get("token", ""))
    except activation.ActivationProblem as exc:
        return _activation_problem(request, exc.problem)
    request.session[activation.SESSION_KEY] = exchanged.pk
    return redirect("activation_password")


@never_cache
@_per_address
def activation_password(request):
    """The clean address after the exchange: the account sets its own password, then its second factor."""
    current = activation.exchanged(request.session.get(activation.SESSION_KEY))
    if current is None:
        return _activation_problem(request, "used")
    form = ActivationPasswordForm(current.user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            user = activation.complete(activation=current, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            apply_errors(form, exc, field="new_password1")
        except activation.ActivationProblem as exc:
            return _activation_problem(request, exc.problem)
        else:
            request.session.pop(activation.SESSION_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if security.has_confirmed_device(user):
                messages.success(request, _("Uw wachtwoord is ingesteld. Bevestig nu met de code uit uw app."))
                return redirect("home")
            messages.success(request, _("Uw wachtwoord is ingesteld. Stel nu tweestapsverificatie in."))
            return redirect(f"{reverse('otp_setup')}?next={reverse('home')}")
    return _private(render(request, "security/activation_password.html", {"form": form, "user_shown": current.user}))
