"""Which language a request is answered in (the catalogue itself: opp_portal.languages).

PreferredLanguageMiddleware runs after Django's LocaleMiddleware (which read the language cookie or the browser's
Accept-Language) and after AuthenticationMiddleware:

- a parent or an adult pupil (an account without an approved membership) reads the portal in the language stored on
  their account; until they chose one, in the language of the cookie or the browser, when the portal has it;
- the staff read Dutch or English (their choice stays a cookie, as before): the parent-only languages cover the
  parent's texts alone;
- someone not logged in (the login page, an invitation link) may choose any language: a parent arrives there first.

A portal user's choice through Django's set_language view (the language form on every page) is stored on the
account, so the emails to them are in it too (notifications.services). A choice made before logging in is stored at
the first request after the login, when the account has none yet.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from opp_portal import languages

from . import access
from .models import User


def _is_staff(user) -> bool:
    # The memberships the navigation and every access check read anyway: loaded once per request, no extra query.
    return user is not None and user.is_authenticated and access.is_staff_member(user)


def is_portal_user(user) -> bool:
    return user is not None and user.is_authenticated and not _is_staff(user)


def allowed_for(user) -> frozenset[str]:
    return languages.STAFF_CODES if _is_staff(user) else languages.PARENT_CODES


def offered_for(user) -> tuple[languages.Language, ...]:
    codes = allowed_for(user)
    return tuple(lang for lang in languages.LANGUAGES if lang.code in codes)


def store(user, code: str) -> None:
    """Remember a portal user's language (staff accounts keep none: their emails stay Dutch)."""
    if is_portal_user(user) and code in languages.PARENT_CODES and user.preferred_language != code:
        User.objects.filter(pk=user.pk).update(preferred_language=code)
        user.preferred_language = code


class PreferredLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        allowed = allowed_for(user)
        portal_user = is_portal_user(user)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if portal_user and not user.preferred_language and cookie in allowed:
            store(user, cookie)  # chosen on the login or invitation page, before there was an account to keep it
        stored = user.preferred_language if portal_user else ""
        code = stored if stored in allowed else languages.get(translation.get_language()).code
        if code not in allowed:
            code = languages.DEFAULT
        translation.activate(code)
        request.LANGUAGE_CODE = code
        request.portal_language = languages.get(code)
        request.portal_languages = offered_for(user)
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if portal_user and request.method == "POST" and match is not None and match.url_name == "set_language":
            chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
            if chosen is not None and chosen.value in allowed:
                store(user, chosen.value)
        return response
