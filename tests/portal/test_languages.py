"""The parent's copy in other languages: a parent (or an adult pupil) reads the portal's fixed texts and the emails
in the language they chose (opp_portal.languages); the plan's content stays as the school wrote it; the staff stay in
Dutch or English; the school sees the parent's language; Arabic is right to left, also in the bekendmaking letter.

Cast: tests.factories.portal_world (Sanne Jansen's mother ``ouder_a``; the begeleider of School A).
"""

import datetime
import io
import re
import zoneinfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from accounts.models import User
from deadlines import registry
from deadlines.steps import Step
from notifications import services as notify
from notifications.models import Notification
from opp import access as opp_access
from opp import adoption, bekendmaking_pdf
from opp import consent_services as cs
from opp_portal import languages
from portal import glossary
from tests.conftest import PASSWORD
from tests.factories import fresh, ter_vaststelling

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
ARABIC = re.compile("[\u0600-\u06ff]")

pytestmark = pytest.mark.clock(datetime.datetime(2027, 3, 1, 10, 0, tzinfo=AMS))


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def in_lang(code: str, msgid: str) -> str:
    with translation.override(code):
        return gettext(msgid)


def choose(user, code: str) -> None:
    User.objects.filter(pk=user.pk).update(preferred_language=code)
    user.preferred_language = code


def goal_of(version) -> str:
    return version.actions.order_by("position").first().goal


# --- The catalogue -------------------------------------------------------------------------------------------------


def test_the_catalogue_names_six_languages_in_themselves_and_marks_the_unreviewed():
    assert [(lang.code, lang.native, lang.direction) for lang in languages.LANGUAGES] == [
        ("nl", "Nederlands", "ltr"), ("en", "English", "ltr"), ("ar", "العربية", "rtl"), ("tr", "Türkçe", "ltr"),
        ("pl", "Polski", "ltr"), ("uk", "Українська", "ltr")]
    assert [code for code, _name in settings.LANGUAGES] == ["nl", "en", "ar", "tr", "pl", "uk"]
    assert languages.STAFF_CODES == {"nl", "en"}
    assert {lang.code for lang in languages.LANGUAGES if lang.needs_review} == {"ar", "tr", "pl", "uk"}
    assert translation.get_language_info("ar")["bidi"] is True  # Django's own LANG_INFO agrees


# --- A parent reads the portal in Arabic ---------------------------------------------------------------------------


def test_a_parent_who_chose_arabic_reads_the_portal_in_arabic_right_to_left_with_the_plan_as_written(world):
    cs.request_send(actor=world.version_a.created_by, version=world.version_a)
    choose(world.ouder_a, "ar")
    page = as_user(world.ouder_a).get(reverse("portal:child", args=[world.sanne.pk])).content.decode()

    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page and "bootstrap.min.css" not in page
    # The consent explanation, the glossary and the layout's pieces are Arabic ...
    for msgid in ("Waar stemt u mee in?", "Moeilijke woorden uitgelegd", "Naar de inhoud", "Uitloggen",
                  "U stemt in met het handelingsdeel: de extra hulp die uw kind krijgt. Dit zijn de afspraken:"):
        arabic = in_lang("ar", msgid)
        assert ARABIC.search(arabic) and arabic in page, msgid
        assert msgid not in page
    term = glossary.term("handelingsdeel")
    assert in_lang("ar", str(term.explanation._args[0])) in page
    # ... the plan's content is the school's own Dutch, untouched.
    assert goal_of(world.version_a) in page
    # The note that no native speaker has checked the translation yet.
    assert in_lang("ar", "Deze vertaling is nog niet nagekeken door iemand die de taal als moedertaal spreekt. "
                         "Bij twijfel geldt de Nederlandse tekst.") in page


def test_the_same_page_in_dutch_is_left_to_right_with_the_plain_bootstrap(world):
    page = as_user(world.ouder_a).get(reverse("portal:child", args=[world.sanne.pk])).content.decode()
    assert '<html lang="nl">' in page and "bootstrap.min.css" in page and "rtl" not in page.split("<body")[0]
    assert "Moeilijke woorden uitgelegd" in page


def test_the_language_form_is_at_the_top_of_every_portal_page_with_all_six_languages(world):
    page = as_user(world.ouder_a).get(reverse("portal:home")).content.decode()
    header = page.split("<header>")[1].split("</header>")[0]
    assert '<label for="language-select"' in header and 'id="language-select"' in header
    for lang in languages.LANGUAGES:
        assert f'value="{lang.code}"' in header and lang.native in header


def test_a_parents_choice_is_stored_on_the_account_and_follows_them_to_another_browser(world):
    client = as_user(world.ouder_a)
    response = client.post(reverse("set_language"), {"language": "ar", "next": reverse("portal:home")})
    assert response.status_code == 302
    assert User.objects.get(pk=world.ouder_a.pk).preferred_language == "ar"
    other_browser = as_user(world.ouder_a)  # no cookie: the account's choice
    assert '<html lang="ar" dir="rtl">' in other_browser.get(reverse("portal:home")).content.decode()


def test_a_choice_made_on_the_login_page_is_kept_at_the_first_login(world, client):
    client.post(reverse("set_language"), {"language": "tr", "next": reverse("login")})
    assert '<html lang="tr"' in client.get(reverse("login")).content.decode()
    client.force_login(world.ouder_a)
    client.get(reverse("portal:home"))
    assert User.objects.get(pk=world.ouder_a.pk).preferred_language == "tr"


def test_the_staff_keep_dutch_or_english_and_no_stored_choice(world, personas):
    client = as_user(personas.begeleider_a)
    page = client.get(reverse("staff_start")).content.decode()
    assert 'value="ar"' not in page and 'value="en"' in page
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})  # a hand-made request
    page = client.get(reverse("staff_start")).content.decode()
    assert '<html lang="nl">' in page
    assert User.objects.get(pk=personas.begeleider_a.pk).preferred_language == ""
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get(reverse("staff_start")).content.decode()


def test_the_school_sees_the_parents_language_on_the_pupil_page(world, personas):
    choose(world.ouder_a, "ar")
    page = as_user(personas.begeleider_a).get(reverse("students:detail", args=[world.sanne.pk])).content.decode()
    assert 'Taal: <span lang="ar" dir="rtl">العربية</span> (Arabisch)' in page


# --- Emails --------------------------------------------------------------------------------------------------------


def test_an_email_to_a_parent_who_chose_arabic_is_arabic_and_to_the_staff_dutch(world, personas):
    choose(world.ouder_a, "ar")
    cs.request_send(actor=personas.begeleider_a, version=world.version_a)
    mail = Notification.objects.get(recipient=world.ouder_a, kind="consent_request")
    assert ARABIC.search(mail.subject_line) and ARABIC.search(mail.body_text)
    assert in_lang("ar", "Beste ouder/verzorger,") in mail.body_text
    assert "Beste ouder/verzorger" not in mail.body_text

    staff = notify.enqueue(recipient=personas.begeleider_a, kind="x", template="consent_request",
                           context={"first_name": "Sanne", "school_name": "School A", "for_pupil": False})
    assert staff.subject_line == "De school vraagt uw instemming met het OPP van Sanne"
    assert translation.get_language() == "nl"  # the caller's language is restored


def _reminder(recipient, shape, school_id):
    kind = registry.REGISTRY["instemming"]
    item = registry.DueItem("instemming", "opp.consentrequest", notify.slot("subject_id"), notify.slot("school_id"),
                            datetime.date(2027, 3, 8), notify.slot("period"), notify.slot("initials"),
                            notify.slot("url"), "")
    context = {"kind": kind, "item": item, "step": Step("0", datetime.date(2027, 3, 8), ()),
               "school_name": notify.slot("school"), "days": 0, "overdue": 0, "escalated": False, "refused": False}
    return {"recipient": recipient, "kind": "reminder:instemming", "template": "reminder", "context": context,
            "shape": shape, "fill": {"subject_id": "1", "school_id": "1", "period": "p", "initials": "S.J.",
                                     "url": "/x/", "school": "School A"},
            "subject_type": "opp.consentrequest", "subject_id": 1, "school_id": school_id}


def test_a_shared_rendering_in_enqueue_many_is_one_per_language(world, personas):
    school = world.sanne.school_id
    choose(world.ouder_a, "ar")
    shape = ("instemming", "same")
    # Dutch first, then Arabic, then Dutch again: each gets its own language from the same shape.
    count = notify.enqueue_many([_reminder(personas.begeleider_a, shape, school), _reminder(world.ouder_a, shape, school),
                                 _reminder(personas.schoolleider_a, shape, school)])
    assert count == 3
    rows = {n.recipient_id: n for n in Notification.objects.filter(kind="reminder:instemming")}
    dutch_label = "Verzoek om instemming wacht op antwoord"
    for staff in (personas.begeleider_a, personas.schoolleider_a):
        assert rows[staff.pk].subject_line.startswith(dutch_label) and not ARABIC.search(rows[staff.pk].body_text)
    parent = rows[world.ouder_a.pk]
    assert parent.subject_line.startswith(in_lang("ar", dutch_label)) and dutch_label not in parent.body_text
    assert in_lang("ar", "vandaag") in parent.subject_line
    assert world.ouder_a.get_full_name() in parent.body_text
    assert translation.get_language() == "nl"


# --- The bekendmaking letter ---------------------------------------------------------------------------------------


@pytest.fixture
def adopted(world, personas):
    version = ter_vaststelling(world.version_a, by=personas.begeleider_a)
    adoption.adopt(actor=personas.bestuurder_a, version=version, password=PASSWORD)
    world.version_a = fresh(version)
    return world


def _status(adopted):
    return opp_access.bekendmaking_party_for(adopted.version_a, f"ouder-{adopted.vader.pk}")


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_letter_in_arabic_is_right_to_left_and_the_dutch_one_unchanged(adopted):
    status = _status(adopted)
    dutch = bekendmaking_pdf.render_html(adopted.version_a, status)
    assert '<html lang="nl" dir="ltr">' in dutch and "Bekendmaking van het OPP" in dutch
    assert '"pagina " counter(page) " van " counter(pages)' in dutch

    arabic = bekendmaking_pdf.render_html(adopted.version_a, status, language="ar")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert in_lang("ar", "Bekendmaking van het OPP") in arabic and "Bekendmaking van het OPP" not in arabic
    assert "Pieter Jansen" in arabic  # names as written

    text = pdf_text(bekendmaking_pdf.render_letter(adopted.version_a, status, language="ar"))
    assert ARABIC.search(text)
    dutch_text = pdf_text(bekendmaking_pdf.render_letter(adopted.version_a, status))
    assert not ARABIC.search(dutch_text) and "Bekendmaking van het OPP" in dutch_text
