"""factory_boy factories shared by every test module."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Board, Membership, Role, Samenwerkingsverband, School, User
from tests.pdfs import MINIMAL_PDF


class BoardFactory(DjangoModelFactory):
    class Meta:
        model = Board
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Stichting Test {n}")


class SwvFactory(DjangoModelFactory):
    class Meta:
        model = Samenwerkingsverband
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PO 9{n % 10}-{n % 90 + 1:02d}")
    name = factory.Sequence(lambda n: f"SWV Test {n}")


def _brin(n):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"{n % 100:02d}{letters[(n // 100) % 26]}{letters[(n // 2600) % 26 if n >= 2600 else n % 26]}"


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    board = factory.SubFactory(BoardFactory)
    brin = factory.Sequence(_brin)
    name = factory.Sequence(lambda n: f"Testschool {n}")
    onderwijssoorten = factory.LazyFunction(lambda: ["bao"])
    cluster = None
    samenwerkingsverband = factory.SubFactory(SwvFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nl")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.BEGELEIDER
    school = factory.SubFactory(SchoolFactory)
    board = None


def member(role, *, school=None, board=None, mandate=False, username=None, approved=True, groups=()):
    """A user holding one role at a school or board; approved (issue 16) unless approved=False. `groups`: a
    leerkracht's own groups (they read only those pupils)."""
    user = UserFactory(**({"username": username} if username else {}))
    Membership.objects.create(user=user, role=role, school=school, board=board, adoption_mandate=mandate,
                              approved_at=timezone.now() if approved else None, groups=list(groups))
    return user


def approved_membership(user, role, *, school=None, board=None, mandate=False, groups=()):
    """One more approved membership for an existing user (a model default leaves a membership pending)."""
    return Membership.objects.create(user=user, role=role, school=school, board=board, adoption_mandate=mandate,
                                     approved_at=timezone.now(), groups=list(groups))


def fresh(obj):
    """`obj` as a new request would load it: a new instance from the database, without the cached relations and
    per-object caches of the one in hand (access caches memberships per user object)."""
    return type(obj).objects.get(pk=obj.pk)


# --- Pupils (issue 3) -----------------------------------------------------------------------------
# Plain model factories: they do not call students.services, so eligibility fields stay at their
# defaults. Tests of the services call the services explicitly.


class StudentFactory(DjangoModelFactory):
    class Meta:
        model = "students.Student"

    school = factory.SubFactory(SchoolFactory)
    first_name = factory.Sequence(lambda n: f"Leerling{n}")
    last_name = "Testpersoon"
    date_of_birth = factory.Sequence(lambda n: datetime.date(2016, 1, 1) + datetime.timedelta(days=n % 365))
    pupil_number = factory.Sequence(lambda n: f"{100000 + n}")
    onderwijssoort = factory.LazyAttribute(lambda o: o.school.onderwijssoorten[0])
    group_name = "4a"
    opp_due_on = None
    # A pupil made with a due date is enrolled six weeks before it, so that the standing the services compute
    # (students.history) gives the same date once a plan is started.
    enrolled_on = factory.LazyAttribute(
        lambda o: o.opp_due_on - datetime.timedelta(days=42) if o.opp_due_on else datetime.date(2022, 8, 20))
    support_level = "basis"


class GuardianFactory(DjangoModelFactory):
    class Meta:
        model = "students.Guardian"

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Ouder {n}")
    email = factory.Sequence(lambda n: f"ouder{n}@example.nl")
    phone = ""


class PlacementEventFactory(DjangoModelFactory):
    class Meta:
        model = "students.PlacementEvent"

    student = factory.SubFactory(StudentFactory)
    kind = "opdc"
    start_on = datetime.date(2023, 1, 9)
    location = "OPDC De Brug"
    support_question = "Gedragsproblemen in de klas; wat helpt de leerling om terug te keren?"
    expected_duration = "12 weken"
    follows_whole_programme = False


# --- OPP (issue 4) --------------------------------------------------------------------------------
# Plain model factories. An *adopted* version is made the only legitimate way the models allow: items
# are added while the version is still a concept, then the concept row is moved to "vastgesteld" with a
# queryset update (the guard refuses writes to rows that are already frozen, not to a concept).


def _next_version_number(version):
    from django.db.models import Max

    return (version.plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1


def refresh_standing(student):
    """What the services do after every plan transition: store the pupil's standing (students.history). A factory
    that writes plans or versions directly calls it too, so lists and the sweep see what a real history gives."""
    from students.services import refresh_standing as refresh

    refresh(student, actor=None)
    student.refresh_from_db()


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = "opp.Plan"
        skip_postgeneration_save = True

    student = factory.SubFactory(StudentFactory, support_level="extra", opp_required=True)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def _standing(obj, create, extracted, **kwargs):
        if create:
            refresh_standing(obj.student)


class PlanVersionFactory(DjangoModelFactory):
    """`PlanVersionFactory(adopted=True, with_actions=2, with_factors=2, with_yields=1)`: adopted, with items.

    `adopted=True` sets state "vastgesteld", adopted_at/adopted_by and adopted_hash after the items exist.
    """

    class Meta:
        model = "opp.PlanVersion"
        skip_postgeneration_save = True

    plan = factory.SubFactory(PlanFactory)
    number = factory.LazyAttribute(_next_version_number)
    created_by = factory.LazyAttribute(lambda o: o.plan.created_by)

    @factory.post_generation
    def with_factors(obj, create, extracted, **kwargs):
        for i in range(extracted or 0):
            FactorItemFactory(version=obj, position=i + 1, kind=("belemmerend", "bevorderend")[i % 2])

    @factory.post_generation
    def with_actions(obj, create, extracted, **kwargs):
        for i in range(extracted or 0):
            ActionItemFactory(version=obj, position=i + 1)

    @factory.post_generation
    def with_yields(obj, create, extracted, **kwargs):
        from opp.models import YieldItem

        for i in range(extracted or 0):
            YieldItem.objects.create(version=obj, position=i + 1, subject=("rekenen", "spelling")[i % 2],
                                     expectation=f"Verwachting {i + 1}: eind groep 8 niveau 1F")

    @factory.post_generation
    def adopted(obj, create, extracted, **kwargs):
        if not (create and extracted):
            return
        from django.utils import timezone

        from opp import content as opp_content
        from opp.models import PlanVersion

        at = kwargs.get("at") or timezone.now()
        by = kwargs.get("by") or obj.plan.created_by
        fresh = PlanVersion.objects.prefetch_related("factors", "actions", "yields").get(pk=obj.pk)
        values = {"state": "vastgesteld", "adopted_at": at, "adopted_by": by, "adopted_hash": opp_content.version_hash(fresh)}
        PlanVersion.objects.filter(pk=obj.pk, state="concept").update(**values)
        for key, value in values.items():
            setattr(obj, key, value)
        refresh_standing(obj.plan.student)


class FactorItemFactory(DjangoModelFactory):
    class Meta:
        model = "opp.FactorItem"

    version = factory.SubFactory(PlanVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = "belemmerend"
    domain = "kind"
    text = factory.Sequence(lambda n: f"Factor {n}: concentratie bij drukte in de klas")


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = "opp.ActionItem"

    version = factory.SubFactory(PlanVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    goal = factory.Sequence(lambda n: f"Doel {n}: leest AVI E4 vloeiend")
    approach = "Dagelijks 15 minuten duolezen"
    who = "Leerkracht groep 4"
    frequency = "Dagelijks, 12 weken"
    evaluation_moment = "Na 12 weken"
    evaluation_criterion = "AVI-toets op niveau E4"


class ConsultationFactory(DjangoModelFactory):
    class Meta:
        model = "opp.Consultation"

    plan = factory.SubFactory(PlanFactory)
    held_on = datetime.date(2023, 1, 9)
    agreement = "ja"
    staff_present = "Intern begeleider"
    summary = "Het OPP is besproken."
    created_by = factory.LazyAttribute(lambda o: o.plan.created_by)


# --- Parent portal and consent (issue 6) ------------------------------------------------------------


class GuardianLinkFactory(DjangoModelFactory):
    class Meta:
        model = "students.GuardianLink"

    student = factory.SubFactory(StudentFactory)
    guardian = factory.SubFactory(GuardianFactory, school=factory.SelfAttribute("..student.school"))
    relation = "ouder"
    has_gezag = True


def parent_of(student, *, name=None, has_gezag=True, username=None, email=None):
    """A guardian of `student` (same school); with `username` also a portal account (password as UserFactory)."""
    user = UserFactory(username=username, email=email or f"{username}@example.nl") if username else None
    extra = {"name": name} if name else {}
    if user is not None:
        extra["email"] = user.email
    elif email:
        extra["email"] = email
    guardian = GuardianFactory(school=student.school, user=user, **extra)
    GuardianLinkFactory(student=student, guardian=guardian, has_gezag=has_gezag)
    return guardian


def version_for_consent(student, *, by, state="in_overleg", actions=2, **fields):
    """A fresh plan of `student` with version 1 in `state` (default: in overleg) and `actions` handelingsdeel items."""
    plan = PlanFactory(student=student, created_by=by)
    return PlanVersionFactory(plan=plan, state=state, with_actions=actions, uitstroom_profiel="vmbo_kb", **fields)


def portal_world(org, personas):
    """The portal's cast: two pupils of school A with their parents, and an adult vso pupil of school A2.

    - Sanne Jansen: moeder (portal account ``ouder_a``, gezag), vader (gezag, no account) and a stepfather
      (``stief_a``, no gezag); version 1 in overleg with two handelingsdeel items and a consultation
      with a staff-only note.
    - Bram Bakker: vader (``ouder_b``, gezag); version 1 in overleg.
    - Lotte Horizon (vso, 19, handelingsbekwaam, consents in her own name, parents not informed):
      portal account ``leerling_c``; her moeder has ``ouder_c``.
    """
    from types import SimpleNamespace

    from opp.models import Consultation

    begeleider_a2 = member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2")
    due = datetime.date(2026, 10, 13)
    sanne = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", opp_required=True,
                           support_level="extra", opp_due_on=due)
    moeder = parent_of(sanne, name="Mirjam Jansen", username="ouder_a")
    vader = parent_of(sanne, name="Pieter Jansen", email="pieter@example.nl")
    stief = parent_of(sanne, name="Karel de Boer", username="stief_a", has_gezag=False)
    version_a = version_for_consent(sanne, by=personas.begeleider_a)
    consultation = Consultation.objects.create(
        plan=version_a.plan, version=version_a, held_on=datetime.date(2026, 9, 20), agreement="deels",
        summary="Besproken: extra leestijd.", internal_note="INTERN-7731 vermoeden thuissituatie",
        created_by=personas.begeleider_a)
    bram = StudentFactory(school=org.school_a, first_name="Bram", last_name="Bakker", opp_required=True,
                          support_level="extra", opp_due_on=due)
    vader_b = parent_of(bram, name="Bert Bakker", username="ouder_b")
    version_b = version_for_consent(bram, by=personas.begeleider_a)
    lotte = StudentFactory(school=org.school_a2, first_name="Lotte", last_name="Horizon",
                           date_of_birth=datetime.date(2006, 3, 1), opp_required=True, support_level="extra",
                           opp_due_on=due, handelingsbekwaam=True, consent_party="leerling", parents_informed=False,
                           portal_user=UserFactory(username="leerling_c"))
    moeder_c = parent_of(lotte, name="Carla Horizon", username="ouder_c")
    version_c = version_for_consent(lotte, by=begeleider_a2)
    return SimpleNamespace(
        begeleider_a2=begeleider_a2, sanne=sanne, moeder=moeder, vader=vader, stief=stief, version_a=version_a,
        consultation=consultation, bram=bram, vader_b=vader_b, version_b=version_b, lotte=lotte,
        moeder_c=moeder_c, version_c=version_c,
        ouder_a=moeder.user, stief_a=stief.user, ouder_b=vader_b.user, ouder_c=moeder_c.user,
        leerling_c=lotte.portal_user,
    )


# --- Setting the OPP (issue 7) ------------------------------------------------------------------------------

SCAN_PDF = MINIMAL_PDF  # a real one-page PDF: the upload check parses every PDF (issue 16)


def complete_version(version, *, by, held_on=datetime.date(2026, 9, 20)):
    """Fill every mandatory section of a not-yet-frozen version for its pupil's onderwijssoort and record an
    OOGO meeting that reached agreement: afterwards no blocking finding remains but the consent."""
    from opp import sections as S
    from opp.models import Consultation, FactorItem, PlanVersion, YieldItem

    soort = version.plan.student.onderwijssoort
    valid = [code for code, _label in S.uitstroom_choices(soort)]
    fields = {
        "uitstroom_profiel": version.uitstroom_profiel if version.uitstroom_profiel in valid else valid[0],
        "uitstroom_onderbouwing": "Leest op AVI M5 en rekent op groepsniveau; de verwachting is haalbaar.",
        "doelen_nodig": False, "onderwijstijd_nodig": False,
        "leerling_mening": "Wil graag meer tijd om te lezen.",
        "leerling_weging": "De wens om meer leestijd is overgenomen in doel 1.",
        "leerling_uitleg": "De intern begeleider heeft het plan met de leerling doorgelopen.",
    }
    if soort in ("bao", "vo", "pro"):
        fields["programma_afwijking"] = "Geen afwijking van het programma; wel verlengde instructie."
    if soort in ("bao", "sbo"):
        fields["rapporten_weging"] = "Het dyslexieonderzoek bevestigt de leesachterstand; het advies is overgenomen."
    if soort in ("so", "vso"):
        fields["commissie_advies_on"] = held_on
        fields["commissie_advies"] = "De commissie voor de begeleiding adviseert positief."
    PlanVersion.objects.filter(pk=version.pk).update(**fields)
    if not version.factors.exists():
        FactorItem.objects.create(version=version, position=1, kind="belemmerend", domain="kind",
                                  text="Raakt snel afgeleid bij drukte in de klas.")
        FactorItem.objects.create(version=version, position=2, kind="bevorderend", domain="omgeving",
                                  text="Thuis wordt dagelijks samen gelezen.")
    if soort in ("bao", "sbo") and not version.yields.exists():
        YieldItem.objects.create(version=version, position=1, subject="begrijpend_lezen",
                                 expectation="Eind groep 8: referentieniveau 1F.")
    Consultation.objects.create(plan=version.plan, version=version, held_on=held_on, agreement="ja",
                                summary="Overeenstemming over het plan.", created_by=by)
    version.refresh_from_db()
    return version


def consent_given(version, *, by):
    """Ask consent for the handelingsdeel (via the service) and let every party say yes: in the portal where
    the party has an account, otherwise on paper with a scan (writes to PRIVATE_MEDIA_ROOT)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from opp import consent_services as cs
    from opp.models import ConsentRequest
    from students.models import Guardian, Student

    request = cs.request_send(actor=by, version=version)
    for party in request.parties:
        if ConsentRequest.objects.get(pk=request.pk).state != ConsentRequest.State.OPEN:
            break  # one guardian sufficed
        if party["kind"] == "guardian":
            user = Guardian.objects.get(pk=party["id"]).user
        else:
            user = Student.objects.get(pk=party["id"]).portal_user
        if user is not None:
            cs.answer_in_portal(user=user, request=request, party_kind=party["kind"], party_id=party["id"],
                                answer="ja", explanation="", ip=None)
        else:
            cs.answer_on_paper(actor=by, request=request, party_kind=party["kind"], party_id=party["id"], answer="ja",
                               explanation="", signed_on=timezone.localdate(),
                               scan_upload=SimpleUploadedFile("handtekening.pdf", SCAN_PDF,
                                                              content_type="application/pdf"))
    request.refresh_from_db()
    version.refresh_from_db()
    return request


def ter_vaststelling(version, *, by):
    """complete_version + consent_given + opp.adoption.submit: the version waits for the board."""
    from opp import adoption

    complete_version(version, by=by)
    consent_given(version, by=by)
    adoption.submit(actor=by, version=version)
    version.refresh_from_db()
    return version


# --- Evaluations (issue 8) ------------------------------------------------------------------------------


def adopted_plan(student, *, by, at=None, actions=2):
    """A plan of `student` whose version 1 is adopted (`at`, default now) with `actions` handelingsdeel items.
    Returns the adopted version (made as PlanVersionFactory(adopted=True) makes it: no consent, no PDF)."""
    plan = PlanFactory(student=student, created_by=by)
    if at is not None:
        # The plan starts on its adoption day, not on the day the test runs: a history built from the wall
        # clock breaks on a later day (a withdrawal dated before the plan's start is refused).
        from opp.models import Plan

        Plan.objects.filter(pk=plan.pk).update(created_at=at)
        plan.created_at = at
    return PlanVersionFactory(plan=plan, with_actions=actions, with_factors=2, uitstroom_profiel="vmbo_kb",
                              adopted=True, adopted__at=at)


def progress_for(version, value="behaald", note="Besproken met de ouders."):
    """`progress` for evaluations.services.evaluation_record: every handelingsdeel item of `version`."""
    return {a.pk: (value, note) for a in version.actions.order_by("position")}


def evaluation_data(held_on, **overrides):
    """A valid `data` dict for evaluations.services.evaluation_record (decision: voortzetten)."""
    return {
        "held_on": held_on, "parents_present": True, "pupil_present": False, "others_present": "Leerkracht",
        "pupil_view": "Vindt het lezen in het groepje fijn.", "conclusion": "Goede voortgang; het plan loopt door.",
        "decision": "voortzetten", **overrides,
    }


def revision_round(version, *, by, held_on=None, with_commission=False):
    """What a revision (bijstelling) needs of its own before it can be adopted (R-CONSENT-7, R-CONTENT-10, R-TIME-3):
    an agreed consultation about it with the parents, the pupil's view on it and, in (v)so, the commission's advice.
    Uses the services, as the begeleider would; returns the fresh version."""
    from django.utils import timezone

    from opp import selectors
    from opp import services as opp_services

    held_on = held_on or timezone.localdate()
    opp_services.consultation_record(actor=by, plan=version.plan, suggestions=[], data={
        "version": version, "held_on": held_on, "parents_present": True, "agreement": "ja",
        "summary": "De bijstelling besproken; de ouders zijn het eens."})
    version = selectors.load_version(version.pk)
    opp_services.version_save_section(actor=by, version=version, section="hoorrecht",
                                      revision=version.section_revisions.get("hoorrecht", 0), data={
                                          "leerling_mening": "Wil het groepje lezen houden.",
                                          "leerling_weging": "Meegenomen in het eerste doel.",
                                          "leerling_uitleg": "Uitgelegd in een gesprek met de leerling."})
    if with_commission:
        version = selectors.load_version(version.pk)
        opp_services.version_save_section(actor=by, version=version, section="commissie",
                                          revision=version.section_revisions.get("commissie", 0), data={
                                              "commissie_advies_on": held_on,
                                              "commissie_advies": "Positief advies over de bijstelling."})
    return selectors.load_version(version.pk)
