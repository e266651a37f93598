"""The portal's languages: the one catalogue of which languages there are, for whom, and how they are written.

The staff's screens are Dutch or English. A parent (or an adult pupil, who uses the portal in their own name like a
parent) may also read the parent portal's fixed texts and the emails sent to them in Arabic, Turkish, Polish or
Ukrainian. What the school wrote — the plan's content — is never translated, and the OPP's PDF stays Dutch.

The non-Dutch, non-English catalogues were written without a fluent reviewer: `needs_review` says so, the README
says so, and the portal says so beside the language choice.

The chosen language is stored on the account (User.preferred_language) and applied on every request by
accounts.languages.PreferredLanguageMiddleware (after Django's LocaleMiddleware), which also decides who may choose
which language; the emails use it too (for_user, in notifications.services). This module imports nothing of the
project: the settings and the lowest floor (notifications) import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # the language's name in Dutch (a gettext msgid: the staff read it in their UI language)
    native: str  # the language's name in itself, as the parent looks for it
    rtl: bool = False
    needs_review: bool = False  # machine- or non-native-written: a native speaker has to review it
    staff: bool = False  # offered in the staff's screens too

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


LANGUAGES: tuple[Language, ...] = (
    Language("nl", _("Nederlands"), "Nederlands", staff=True),
    Language("en", _("Engels"), "English", staff=True),
    Language("ar", _("Arabisch"), "العربية", rtl=True, needs_review=True),
    Language("tr", _("Turks"), "Türkçe", needs_review=True),
    Language("pl", _("Pools"), "Polski", needs_review=True),
    Language("uk", _("Oekraïens"), "Українська", needs_review=True),
)

BY_CODE: dict[str, Language] = {lang.code: lang for lang in LANGUAGES}
DEFAULT = "nl"
#: What settings.LANGUAGES is made of (Django's set_language and LocaleMiddleware accept these).
SETTINGS_LANGUAGES = [(lang.code, lang.name) for lang in LANGUAGES]
STAFF_CODES = frozenset(lang.code for lang in LANGUAGES if lang.staff)
PARENT_CODES = frozenset(lang.code for lang in LANGUAGES)
#: The languages whose catalogue covers the parent's texts only (locale/<code>/LC_MESSAGES/django.po).
PARENT_ONLY_CODES = tuple(lang.code for lang in LANGUAGES if not lang.staff)

#: The files whose msgids a parent or an adult pupil reads: the parent portal's pages and forms, the glossary, the
#: base layout's pieces (navigation, skip link, footer, messages), the login, and the emails sent to them.
#: bin/parent-messages extracts exactly these into locale/parents.pot and merges it into the parent-only catalogues;
#: tests/test_translations_parents.py checks that every msgid is translated in every language.
PARENT_SOURCES: tuple[str, ...] = (
    "opp_portal/languages.py",
    "portal/forms.py",
    "portal/glossary.py",
    "portal/views.py",
    "templates/base.html",
    "templates/registration/login.html",
    "templates/portal/_consent_summary.html",
    "templates/portal/_glossary.html",
    "templates/portal/_language_form.html",
    "templates/portal/_goal_charts.html",
    "templates/portal/_term.html",
    "templates/portal/_version_sections.html",
    "templates/portal/child.html",
    "templates/portal/consent_retry.html",
    "templates/portal/home.html",
    "templates/portal/invitation_account.html",
    "templates/portal/invitation_landing.html",
    "templates/portal/invitation_problem.html",
    "templates/portal/reaction_retry.html",
    "templates/portal/version.html",
    "templates/portal/swv_request.html",
    "templates/portal/swv_requests.html",
    "templates/portal/_swv_requests_list.html",
    "portal/swv_views.py",
    "templates/opp/_section_content.html",
    "templates/opp/_withdrawal_routes.html",
    "templates/opp/_chart.html",
    "templates/evaluations/_evaluation_body.html",
    "templates/evaluations/portal_reaction_retry.html",
    "templates/opp/pdf/bekendmaking.html",
    "templates/notifications/email/invitation.txt",
    "templates/notifications/email/invitation.html",
    "templates/notifications/email/consent_request.txt",
    "templates/notifications/email/consent_request.html",
    "templates/notifications/email/consent_outcome.txt",
    "templates/notifications/email/bekendmaking.txt",
    "templates/notifications/email/bekendmaking.html",
    "templates/notifications/email/reaction_response.txt",
    "templates/notifications/email/reaction_response.html",
    "templates/notifications/email/evaluation.txt",
    "templates/notifications/email/reminder.txt",
    "templates/notifications/email/reminder.html",
    "templates/notifications/email/digest.txt",
    "templates/notifications/email/swv_request.txt",
    "templates/notifications/email/swv_request.html",
)

#: Labels defined elsewhere that the parent's pages and emails print (a choice's get_…_display, a reminder kind's
#: label, a section's title): a TextChoices class (all its labels) or, after a colon, the object(s) reached from a
#: module attribute (`*`: every value of a dict).
PARENT_LABELS: tuple[str, ...] = (
    "opp.models.VersionState",
    "opp.models.ConsentAnswer.Answer",
    "opp.models.Consultation.Agreement",
    "opp.models.Suggestion.Outcome",
    "opp.models.FactorItem.Kind",
    "opp.models.FactorItem.Domain",
    "evaluations.models.Evaluation.Decision",
    "opp.sections.SECTIONS:*.title",
    "deadlines.registry.REGISTRY:instemming.label",
    "swv.models.SwvRequest.Kind",
    "swv.models.SwvRequest.State",
)


def get(code: str | None) -> Language:
    return BY_CODE.get((code or "").split("-")[0].lower(), BY_CODE[DEFAULT])


def current() -> Language:
    return get(translation.get_language())


def for_user(user) -> str:
    """The language of what is sent to `user`: the one they chose in the portal (only parents and adult pupils keep a
    choice on their account: accounts.languages), else Dutch — also for the staff."""
    code = getattr(user, "preferred_language", "") if user is not None else ""
    return code if code in PARENT_CODES else DEFAULT
