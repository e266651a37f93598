"""Seeding shared by the benchmarks (import it after django.setup()).

- `ensure_org` / `ensure_pupils`: the deadline sweep's world (bench/sweep.py): boards of four schools, one
  begeleider and one schoolleider per school, one bestuurder per board; pupils with extra support and a
  six-week deadline spread around the benchmark day, plans in mixed states, 2 % already left.
  Everything is bulk-inserted with the derived fields set directly.
- `ensure_pupils(..., rich=True)`: the same pupils (the same random sequence, so the sweep sees the same
  due items) plus what makes the pages do real work (bench/pages.py): one or two guardians per pupil, a
  fifth of them with a portal account, section texts and items in every version, consultations with
  suggestions, consent requests with answers, evaluations with progress per item, eligibility history;
  the first two goals of every filled version measured (AVI, DMT: `item_measure`) and, for adopted versions, a
  few measurements per measured goal since the adoption (`measurements_for`), so the goal charts have data.
- `create_rich_opp`: one pupil whose adopted OPP fills about ten A4 pages (bench/pdf.py, bench/pages.py).
"""

from __future__ import annotations

import datetime
import hashlib
import random
import string
import sys
import time
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Board, Membership, Role, School, User
from evaluations.models import Evaluation, ItemProgress
from opp import content as opp_content
from opp import measures, selectors
from opp.models import (
    ActionItem,
    ConsentAnswer,
    ConsentRequest,
    Consultation,
    FactorItem,
    Measurement,
    Plan,
    PlanVersion,
    Suggestion,
    YieldItem,
)
from students.models import EligibilityDecision, Guardian, GuardianLink, Student
from students.names import sort_key

PREFIX = "Bench sweep"
BOARDS = 50
SCHOOLS_PER_BOARD = 4
SPREAD = 60  # due dates from today - 60 to today + 60
CHUNK = 10_000
FIRST = ["Sem", "Noah", "Liam", "Lucas", "Daan", "Finn", "Emma", "Julia", "Mila", "Tess", "Noëlle", "Zoë", "Yara",
         "Mehmet", "Fatima", "Aylin", "Bram", "Sanne", "Jesse", "Lotte"]
LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Çelik", "El Amrani",
        "Yılmaz", "Mulder", "de Boer", "Bos", "Peters", "Hendriks", "van Dijk", "Dekker", "Verbeek", "Kok"]
OPEN_STATES = ["concept", "in_overleg", "instemming_gevraagd", "ter_vaststelling"]

LOREM = (
    "Noor leest op dit moment op AVI-niveau M5 terwijl haar klasgenoten E6 lezen. Bij het lezen van langere "
    "teksten raakt zij het overzicht kwijt en haakt zij na enkele minuten af; korte, gestructureerde opdrachten "
    "met een duidelijk eindpunt lukken beter. De leerkracht ziet dat zij veel steun heeft aan een vast "
    "dagritme, een rustige werkplek en vooraf besproken stappen. Thuis wordt dagelijks samen gelezen. "
)


def text(sentences: int, seed: int = 0) -> str:
    words = LOREM.split()
    out = []
    for i in range(sentences):
        start = (seed * 7 + i * 13) % len(words)
        out.append(" ".join(words[start:] + words[:start])[:220].rstrip() + ".")
    return "\n\n".join(" ".join(out[i:i + 3]) for i in range(0, len(out), 3))


def log(message: str) -> None:
    print(message, flush=True)


def free_brins(n: int) -> list[str]:
    taken = set(School.objects.values_list("brin", flat=True))
    codes = (f"{d:02d}{a}{b}" for d in range(99, -1, -1) for a in string.ascii_uppercase for b in string.ascii_uppercase)
    return [c for c in codes if c not in taken][:n]


def user(username: str, first: str, last: str, board: Board | None) -> User:
    return User(username=username, first_name=first, last_name=last, email=f"{username}@bench.example.nl",
                password="!", managed_by=board)  # noqa: S106 - an unusable password


def ensure_org(boards_n: int = BOARDS, schools_per_board: int = SCHOOLS_PER_BOARD) -> list[School]:
    boards = list(Board.objects.filter(name__startswith=f"{PREFIX} bestuur").order_by("name"))
    schools = list(School.objects.filter(name__startswith=f"{PREFIX} school").order_by("name"))
    if len(boards) == boards_n and len(schools) == boards_n * schools_per_board:
        return schools
    if boards or schools:
        sys.exit(f"Half-made benchmark organisation in this database ({len(boards)} boards, {len(schools)} schools): "
                 "use a fresh database.")
    log(f"creating {boards_n} boards, {boards_n * schools_per_board} schools and their staff …")
    with transaction.atomic():
        boards = Board.objects.bulk_create([Board(name=f"{PREFIX} bestuur {b:02d}") for b in range(1, boards_n + 1)])
        brins = free_brins(boards_n * schools_per_board)
        schools = School.objects.bulk_create([
            School(board=boards[i // schools_per_board], brin=brins[i], name=f"{PREFIX} school {i + 1:03d}",
                   onderwijssoorten=["bao"])
            for i in range(boards_n * schools_per_board)
        ])
        staff = []
        for i, school in enumerate(schools):
            staff.append((user(f"bench-sweep-ib-{i + 1:03d}", "Ina", f"Begeleider {i + 1}", school.board), Role.BEGELEIDER, school))
            staff.append((user(f"bench-sweep-sl-{i + 1:03d}", "Sam", f"Schoolleider {i + 1}", school.board), Role.SCHOOLLEIDER, school))
        for b, board in enumerate(boards):
            staff.append((user(f"bench-sweep-bb-{b + 1:02d}", "Bo", f"Bestuurder {b + 1}", board), Role.BESTUURDER, board))
        users = User.objects.bulk_create([u for u, _r, _s in staff])
        Membership.objects.bulk_create([
            Membership(user=u, role=role, school=where if role != Role.BESTUURDER else None,
                       board=where if role == Role.BESTUURDER else None, approved_at=timezone.now())
            for u, (_u, role, where) in zip(users, staff, strict=True)
        ])
    return schools


@contextmanager
def explicit_timestamps(*fields):
    """Let bulk_create keep the given auto_now_add / auto_now timestamps (model, field name) instead of now."""
    saved = []
    for model, name in fields:
        f = model._meta.get_field(name)
        saved.append((f, f.auto_now, f.auto_now_add))
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def ensure_pupils(schools: list[School], pupils: int, today: datetime.date, *, rich: bool = False,
                  clustered: bool = False, measured: int = 0) -> int:
    """`pupils` pupils spread evenly over `schools` (first run only; a later run with the same number reuses them).

    By default pupil n goes to school n mod the number of schools, so a school's rows lie scattered over the
    whole table. `clustered` gives each school a run of consecutive pupils instead, as schools arrive with a
    CSV import of their register; PostgreSQL's planner sees that correlation and reads a school's rows by index.

    `measured` > 0: the first board (that of schools[0]) gets exactly `measured` pupils, seeded first, in a chunk
    of their own and from their own random sequences, so that board and its schools are the same rows (same pupils,
    plan states, texts, consultations, evaluations, even the same primary keys in a fresh database) whatever the
    total; the other `pupils - measured` are spread over the other boards' schools (bench/pages.py)."""
    # Pupils added by hand beside the seeded ones (pupil numbers BENCH…, e.g. bench/pages.py's focus pupil) don't count.
    existing = Student.objects.filter(school__in=schools).exclude(pupil_number__startswith="BENCH").count()
    if existing == pupils:
        return existing
    if existing:
        sys.exit(f"The benchmark schools hold {existing} pupils, not {pupils}: use a fresh database or the same --pupils.")
    log(f"creating {pupils:,} pupils with plans in mixed states{' and everything around them' if rich else ''} …")
    # Segments: (its schools, first pupil number, end, random sequence, the rich extras' own sequence).
    if measured:
        first = [s for s in schools if s.board_id == schools[0].board_id]
        others = [s for s in schools if s.board_id != schools[0].board_id]
        if not 0 < measured < pupils or not others:
            sys.exit(f"measured={measured} needs more than one board and fewer pupils than {pupils}")
        segments = [(first, 0, measured, random.Random(2026), random.Random(2027)),  # noqa: S311 - test data
                    (others, measured, pupils, random.Random(2028), random.Random(2029))]  # noqa: S311
    else:
        segments = [(schools, 0, pupils, random.Random(2026), random.Random(2027))]  # noqa: S311 - test data
    begeleiders = dict(Membership.objects.filter(school__in=schools, role=Role.BEGELEIDER).values_list("school_id", "user_id"))
    bestuurders = dict(Membership.objects.filter(board__in={s.board_id for s in schools}, role=Role.BESTUURDER)
                       .values_list("board_id", "user_id"))
    started = time.perf_counter()
    adopted_at = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=20), datetime.time(10)))
    with transaction.atomic():
        for part, lo, hi, rnd, extra_rnd in segments:
            for chunk_start in range(lo, hi, CHUNK):
                students, fates = [], []
                for n in range(chunk_start, min(hi, chunk_start + CHUNK)):
                    i = n - lo
                    school = part[i * len(part) // (hi - lo) if clustered else i % len(part)]
                    due = today + datetime.timedelta(days=rnd.randint(-SPREAD, SPREAD))
                    born = datetime.date(2013, 1, 1) + datetime.timedelta(days=rnd.randrange(6 * 365))
                    left = rnd.random() < 0.02
                    students.append(Student(
                        school=school, first_name=rnd.choice(FIRST), last_name=rnd.choice(LAST), date_of_birth=born,
                        pupil_number=f"{n:07d}", onderwijssoort="bao", group_name=f"{rnd.randint(1, 8)}{rnd.choice('abc')}",
                        enrolled_on=datetime.date(2024, 8, 20), support_need_on=due - datetime.timedelta(days=42),
                        support_level="extra", extra_support_description="Extra begeleiding bij lezen en rekenen",
                        opp_required=True, opp_start_on=due - datetime.timedelta(days=42), opp_start_basis="behoefte",
                        opp_due_on=due, left_on=today - datetime.timedelta(days=10) if left else None,
                    ))
                    r = rnd.random()
                    fates.append("adopted" if r < 0.15 else rnd.choice(OPEN_STATES) if r < 0.45 else None)
                    # The standing the pupil services would store (students.history): the plan is in force.
                    students[-1].opp_in_force = fates[-1] == "adopted"
                    students[-1].name_sort_key = sort_key(students[-1].last_name)  # bulk_create skips save()
                Student.objects.bulk_create(students, batch_size=5000)
                with_plan = [(s, fate) for s, fate in zip(students, fates, strict=True) if fate]
                plans = Plan.objects.bulk_create(
                    [Plan(student=s, created_by_id=begeleiders[s.school_id]) for s, _f in with_plan], batch_size=5000)
                if rich:
                    _rich_chunk(students, with_plan, plans, today, extra_rnd, begeleiders, bestuurders)
                else:
                    # An adopted version is inserted already frozen: the PostgreSQL guard (opp 0002) fires on
                    # UPDATE and DELETE of a version only, so an INSERT of a vastgesteld row is allowed.
                    PlanVersion.objects.bulk_create([
                        PlanVersion(plan=p, number=1, state="vastgesteld" if fate == "adopted" else fate,
                                    created_by_id=p.created_by_id,
                                    adopted_at=adopted_at if fate == "adopted" else None,
                                    adopted_by_id=bestuurders[s.school.board_id] if fate == "adopted" else None)
                        for p, (s, fate) in zip(plans, with_plan, strict=True)
                    ], batch_size=5000)
                log(f"  {chunk_start + len(students):,} pupils ({time.perf_counter() - started:.0f} s)")
    log(f"created in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:  # statistics and the visibility map, as autovacuum would leave them
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return pupils


def item_measure(position: int, key: int, baseline_on: datetime.date) -> dict:
    """The measure of a seeded goal (opp.measures): the first goal on AVI, the second on DMT, the others none.
    `key` varies the levels deterministically (the same in both worlds for the same pupil)."""
    target_on = baseline_on + datetime.timedelta(days=300)
    if position == 1:
        start = 2 + key % 4
        return {"measure_instrument": "avi", "measure_baseline": measures.AVI_LEVELS[start],
                "measure_baseline_on": baseline_on, "measure_target": measures.AVI_LEVELS[start + 3],
                "measure_target_on": target_on, "measure_direction": measures.HIGHER}
    if position == 2:
        return {"measure_instrument": "dmt", "measure_baseline": str(30 + key % 20), "measure_baseline_on": baseline_on,
                "measure_target": str(55 + key % 20), "measure_target_on": target_on,
                "measure_direction": measures.HIGHER}
    return {}


def measurements_for(item: ActionItem, since: datetime.date, today: datetime.date, by: int, *,
                     every: int = 42, most: int = 4) -> list[Measurement]:
    """A measured goal's measurements every `every` days after `since` up to today (at most `most`), each a step
    from the baseline towards the target (a level for AVI, six words a minute for DMT)."""
    rows = []
    for k in range(1, most + 1):
        day = since + datetime.timedelta(days=every * k)
        if day > today:
            break
        if item.measure_instrument == "avi":
            value = measures.AVI_LEVELS[min(measures.avi_rank(item.measure_baseline) + k, len(measures.AVI_LEVELS) - 1)]
        else:
            value = str(int(item.measure_baseline) + 6 * k)
        rows.append(Measurement(goal_id=item.plan_goal_id, measured_on=day, instrument=item.measure_instrument,
                                value=value, note="" if k % 2 else text(1, k), recorded_by_id=by))
    return rows


def _fake_hash(*parts) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def _rich_chunk(students, with_plan, plans, today, rnd, begeleiders, bestuurders) -> None:
    """Everything around one chunk of pupils. Versions to be adopted are inserted open, filled, then adopted
    with one UPDATE (the parts of an adopted version cannot be inserted: opp 0002's trigger)."""
    now = timezone.now()

    def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    # Guardians: one or two per pupil (a fifth with a portal account), with gezag.
    guardians, owners, accounts = [], [], []
    for s in students:
        for k in range(1 if rnd.random() < 0.2 else 2):
            g = Guardian(school_id=s.school_id, name=f"{rnd.choice(FIRST)} {s.last_name}",
                         email=f"ouder{k}-{s.pupil_number}@bench.example.nl", phone="06-12345678")
            guardians.append(g)
            owners.append(s)
            if rnd.random() < 0.2:
                accounts.append((g, user(f"bench-ouder-{s.pupil_number}-{k}", g.name.split()[0], s.last_name, None)))
    created_users = User.objects.bulk_create([u for _g, u in accounts], batch_size=5000)
    for (g, _u), u in zip(accounts, created_users, strict=True):
        g.user_id = u.pk
    Guardian.objects.bulk_create(guardians, batch_size=5000)
    GuardianLink.objects.bulk_create([GuardianLink(student=s, guardian=g, relation="ouder", has_gezag=True)
                                      for g, s in zip(guardians, owners, strict=True)], batch_size=5000)
    parents: dict[int, list[Guardian]] = {}
    for g, s in zip(guardians, owners, strict=True):
        parents.setdefault(s.pk, []).append(g)
    with explicit_timestamps((EligibilityDecision, "decided_at")):
        EligibilityDecision.objects.bulk_create([
            EligibilityDecision(student=s, decided_at=at(s.opp_start_on), required=True, start_on=s.opp_start_on,
                                due_on=s.opp_due_on, reasons=[{"rule": "R-ELIG-1", "text": "Extra ondersteuning nodig"}])
            for s in students], batch_size=5000)

    # Versions with their section texts; "adopted" ones first as ter_vaststelling.
    versions, adopt_at = [], {}
    for p, (s, fate) in zip(plans, with_plan, strict=True):
        filled = fate != "concept" or rnd.random() < 0.5
        submitted = None
        if fate == "adopted":
            adopt_at[p.pk] = at(today - datetime.timedelta(days=rnd.randint(20, 600)), 14)
            submitted = adopt_at[p.pk] - datetime.timedelta(days=5)
        elif fate == "ter_vaststelling":
            submitted = at(min(today, s.opp_due_on - datetime.timedelta(days=5)))
        versions.append(PlanVersion(
            plan=p, number=1, state="ter_vaststelling" if fate == "adopted" else fate, created_by_id=p.created_by_id,
            uitstroom_profiel="vmbo_kb" if filled else "", uitstroom_onderbouwing=text(2, p.pk % 50) if filled else "",
            programma_afwijking=text(1, p.pk % 40) if filled else "", doelen_nodig=False if filled else None,
            onderwijstijd_nodig=False if filled else None, rapporten_weging=text(1, p.pk % 30) if filled else "",
            leerling_mening=text(1, 3) if filled else "", leerling_weging=text(1, 4) if filled else "",
            leerling_uitleg=text(1, 5) if filled else "",
            submitted_at=submitted, submitted_by_id=p.created_by_id if submitted else None,
        ))
    PlanVersion.objects.bulk_create(versions, batch_size=5000)
    factors, actions, yields = [], [], []
    subjects = ["technisch_lezen", "begrijpend_lezen", "spelling", "rekenen", "sociaal_emotioneel"]
    for v in versions:
        if not v.uitstroom_profiel:
            continue
        for i in range(2):
            factors.append(FactorItem(version=v, position=i + 1, kind=("belemmerend", "bevorderend")[i],
                                      domain=("kind", "omgeving")[i], text=text(1, v.pk % 20 + i)))
        # The baseline two weeks before the adoption (or today for a version not adopted).
        baseline_on = (timezone.localtime(adopt_at[v.plan_id]).date() if v.plan_id in adopt_at else today
                       ) - datetime.timedelta(days=14)
        for i in range(3):
            actions.append(ActionItem(version=v, position=i + 1, goal=f"Doel {i + 1}: " + text(1, v.pk % 25 + i),
                                      approach=text(1, v.pk % 15 + i), who="Leerkracht en intern begeleider",
                                      frequency="Drie keer per week 20 minuten", evaluation_moment="Na 8 weken",
                                      evaluation_criterion=text(1, i), **item_measure(i + 1, v.pk, baseline_on)))
        for i in range(2):
            yields.append(YieldItem(version=v, position=i + 1, subject=subjects[(v.pk + i) % len(subjects)],
                                    expectation=text(1, v.pk % 10 + i)))
    FactorItem.objects.bulk_create(factors, batch_size=5000)
    ActionItem.objects.bulk_create(actions, batch_size=5000)
    YieldItem.objects.bulk_create(yields, batch_size=5000)

    # Consultations (with a suggestion now and then) for every version put before the parents.
    consultations, suggestions = [], []
    for v, (s, fate) in zip(versions, with_plan, strict=True):
        if fate == "concept":
            continue
        for i in range(1 if rnd.random() < 0.6 else 2):
            held = min(today, s.opp_start_on + datetime.timedelta(days=5 + 10 * i + rnd.randrange(5)))
            c = Consultation(plan_id=v.plan_id, version=v, held_on=held, created_by_id=v.created_by_id,
                             agreement=rnd.choice(["ja", "ja", "ja", "deels"]), parents_present=True,
                             staff_present="Intern begeleider, leerkracht", summary=text(2, v.pk % 30 + i),
                             internal_note="Intern: afspraak met de logopedist loopt.")
            consultations.append(c)
    Consultation.objects.bulk_create(consultations, batch_size=5000)
    for c in consultations:
        if rnd.random() < 0.5:
            suggestions.append(Suggestion(consultation=c, position=1, text=text(1, c.pk % 20), response=text(1, 7),
                                          outcome=rnd.choice(["overgenomen", "deels", "niet"])))
    Suggestion.objects.bulk_create(suggestions, batch_size=5000)

    # Consent: open for instemming_gevraagd (asked 1–20 days ago, one parent answered), given before submission;
    # a tenth of the versions back in overleg got there by a refusal ("geen instemming").
    requests, answers_for = [], []
    for v, (s, fate) in zip(versions, with_plan, strict=True):
        refused = fate == "in_overleg" and rnd.random() < 0.1
        if fate not in ("instemming_gevraagd", "ter_vaststelling", "adopted") and not refused:
            continue
        gs = parents[s.pk]
        given = fate not in ("instemming_gevraagd", "in_overleg")
        if refused:
            asked = now - datetime.timedelta(days=rnd.randint(10, 30))
        elif given:
            asked = v.submitted_at - datetime.timedelta(days=10)
        else:
            asked = now - datetime.timedelta(days=rnd.randint(1, 20))
        requests.append(ConsentRequest(
            version=v, handelingsdeel_hash=_fake_hash("hd", v.pk), requested_by_id=v.created_by_id, requested_at=asked,
            parties=[{"kind": "guardian", "id": g.pk, "name": g.name} for g in gs],
            state="geweigerd" if refused else "gegeven" if given else "open",
            closed_at=asked + datetime.timedelta(days=3) if given or refused else None))
        answers_for.append((gs[:1] if refused else gs if given else gs[:1] if rnd.random() < 0.5 else [], asked,
                            "nee" if refused else "ja"))
    with explicit_timestamps((ConsentRequest, "requested_at"), (ConsentAnswer, "answered_at")):
        ConsentRequest.objects.bulk_create(requests, batch_size=5000)
        ConsentAnswer.objects.bulk_create([
            ConsentAnswer(request=r, guardian=g, party_name=g.name, answer=answer, handelingsdeel_hash=r.handelingsdeel_hash,
                          answered_at=asked + datetime.timedelta(days=2), channel="papier", recorded_by_id=r.requested_by_id,
                          signed_on=(asked + datetime.timedelta(days=2)).date(),
                          explanation="Wij willen eerst opnieuw overleggen over doel 2." if answer == "nee" else "")
            for r, (gs, asked, answer) in zip(requests, answers_for, strict=True) for g in gs], batch_size=5000)

    # Adopt: adopted 20–600 days ago; the older ones were evaluated (last school year, some also this one).
    adopted = [(v, s) for v, (s, fate) in zip(versions, with_plan, strict=True) if fate == "adopted"]
    for v, s in adopted:
        v.state = "vastgesteld"
        v.adopted_at = adopt_at[v.plan_id]
        v.adopted_by_id = bestuurders[s.school.board_id]
        v.adopted_as = "Bestuurder (bevoegd gezag)"
        v.adopted_hash = _fake_hash("v", v.pk)
        v.made_known_on = timezone.localtime(v.adopted_at).date() + datetime.timedelta(days=1)
    PlanVersion.objects.bulk_update([v for v, _s in adopted], ["state", "adopted_at", "adopted_by", "adopted_as",
                                                               "adopted_hash", "made_known_on"], batch_size=2000)
    measured_items: dict[int, list[ActionItem]] = {}
    for a in actions:
        if a.measure_instrument:
            measured_items.setdefault(a.version_id, []).append(a)
    Measurement.objects.bulk_create([
        m for v, _s in adopted for a in measured_items.get(v.pk, [])
        for m in measurements_for(a, timezone.localtime(v.adopted_at).date(), today, v.created_by_id)], batch_size=5000)
    year_start = datetime.date(today.year if today.month >= 8 else today.year - 1, 8, 1)
    evaluations, evaluated_versions = [], []
    for v, _s in adopted:
        adopted_on = timezone.localtime(v.adopted_at).date()
        for held in (year_start - datetime.timedelta(days=40), min(today, year_start + datetime.timedelta(days=75))):
            if adopted_on < held - datetime.timedelta(days=60) and rnd.random() < 0.7:
                evaluations.append(Evaluation(plan_id=v.plan_id, version=v, school_year=_school_year(held), held_on=held,
                                              conclusion=text(2, v.pk % 20), pupil_view=text(1, 2), decision="voortzetten",
                                              others_present="Leerkracht", created_by_id=v.created_by_id))
                evaluated_versions.append(v)
    Evaluation.objects.bulk_create(evaluations, batch_size=5000)
    actions_of: dict[int, list[ActionItem]] = {}
    for a in actions:
        actions_of.setdefault(a.version_id, []).append(a)
    ItemProgress.objects.bulk_create([
        ItemProgress(evaluation=e, action=a, progress=rnd.choice(["behaald", "deels", "niet"]), note=text(1, a.position))
        for e, v in zip(evaluations, evaluated_versions, strict=True) for a in actions_of.get(v.pk, [])], batch_size=5000)


def _school_year(day: datetime.date) -> str:
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"


def create_rich_opp(school: School, ib: User, bestuurder: User, *, pupil_number: str, parents_with_accounts: int = 0,
                    first_name: str = "Noor", last_name: str = "van der Bench", adopt: bool = True) -> PlanVersion:
    """A pupil whose adopted OPP (version 1) fills about ten A4 pages: long texts in every section, 12
    handelingsdeel items, factors, learning yields, four consultations with the parents' suggestions and the
    school's responses, and a consent request answered (on paper) by both parents. The first
    `parents_with_accounts` parents get a portal account (username bench-ouder-<pupil_number>-<n>).
    `adopt=False`: left "instemming gevraagd" with the consent given, for the caller to adopt through
    opp.adoption (which also archives the PDF)."""
    with transaction.atomic():
        student = Student.objects.create(
            school=school, first_name=first_name, last_name=last_name, date_of_birth=datetime.date(2016, 5, 14),
            pupil_number=pupil_number, onderwijssoort="bao", group_name="6b", enrolled_on=datetime.date(2020, 8, 24),
            support_level="extra", opp_required=True, opp_due_on=datetime.date(2026, 10, 13), opp_in_force=True)
        parents = []
        for n, name in enumerate((f"Fatima {last_name}", f"Joost {last_name}")):
            account = None
            if n < parents_with_accounts:
                account = User.objects.create(username=f"bench-ouder-{pupil_number}-{n}", first_name=name.split()[0],
                                              last_name=last_name, email=f"ouder{n}-{pupil_number}@bench.example.nl",
                                              password="!")  # noqa: S106 - unusable
            g = Guardian.objects.create(school=school, name=name, email=f"{name.split()[0].lower()}@bench.example.nl",
                                        user=account)
            GuardianLink.objects.create(student=student, guardian=g, relation="ouder", has_gezag=True)
            parents.append(g)
        plan = Plan.objects.create(student=student, created_by=ib)
        version = PlanVersion.objects.create(
            plan=plan, number=1, created_by=ib, state="instemming_gevraagd",
            uitstroom_profiel="vmbo_kb", uitstroom_onderbouwing=text(9, 1),
            programma_afwijking=text(6, 2), doelen_nodig=True, vervangende_doelen=text(6, 3),
            onderwijstijd_nodig=False, rapporten_weging=text(6, 4),
            leerling_mening=text(3, 5), leerling_weging=text(3, 6), leerling_uitleg=text(3, 7))
        for i in range(8):
            FactorItem.objects.create(version=version, position=i + 1, kind=("belemmerend", "bevorderend")[i % 2],
                                      domain=("kind", "omgeving")[(i // 2) % 2], text=text(1, 10 + i))
        for i in range(12):
            ActionItem.objects.create(
                version=version, position=i + 1, goal=f"Doel {i + 1}: " + text(1, 20 + i),
                approach=text(1, 40 + i) + " " + text(1, 50 + i)[:120], who="Leerkracht groep 6 en de intern begeleider",
                frequency="Vier keer per week 20 minuten, gedurende 12 weken",
                evaluation_moment=f"Week {6 + i % 6} en na 12 weken", evaluation_criterion=text(1, 60 + i))
        for i, subject in enumerate(["technisch_lezen", "begrijpend_lezen", "spelling", "rekenen", "sociaal_emotioneel"]):
            YieldItem.objects.create(version=version, position=i + 1, subject=subject, expectation=text(2, 80 + i))
        for i in range(4):
            c = Consultation.objects.create(
                plan=plan, version=version, held_on=datetime.date(2026, 9, 1) + datetime.timedelta(days=9 * i),
                agreement=("deels", "deels", "ja", "ja")[i], parents_present=True, pupil_present=i == 3,
                staff_present="Ingrid van Bench-Begeleider (ib), leerkracht groep 6", others_present="Schoolmaatschappelijk werk",
                summary=text(3, 90 + i), internal_note="INTERN: staat niet in de PDF", created_by=ib)
            for j in range(2):
                Suggestion.objects.create(consultation=c, position=j + 1, text=text(1, 100 + i * 3 + j),
                                          response=text(1, 120 + i * 3 + j), outcome=("overgenomen", "deels", "niet")[j])
        hd_hash = opp_content.handelingsdeel_hash(selectors.load_version(version.pk))
        req = ConsentRequest.objects.create(
            version=version, handelingsdeel_hash=hd_hash, requested_by=ib, state="gegeven", closed_at=timezone.now(),
            parties=[{"kind": "guardian", "id": g.pk, "name": g.name} for g in parents])
        ConsentAnswer.objects.create(request=req, guardian=parents[0], party_name=parents[0].name, answer="ja",
                                     handelingsdeel_hash=hd_hash, channel="papier", recorded_by=ib,
                                     signed_on=datetime.date(2026, 9, 30))
        ConsentAnswer.objects.create(request=req, guardian=parents[1], party_name=parents[1].name, answer="ja",
                                     handelingsdeel_hash=hd_hash, channel="papier", recorded_by=ib,
                                     signed_on=datetime.date(2026, 10, 1))
        if not adopt:
            return PlanVersion.objects.get(pk=version.pk)
        # Adopt the only way the models allow (as tests.factories does): one guarded update of the open row.
        fresh = selectors.load_version(version.pk)
        PlanVersion.objects.filter(pk=version.pk, state="instemming_gevraagd").update(
            state="vastgesteld", adopted_at=timezone.now(), adopted_by=bestuurder,
            adopted_hash=opp_content.version_hash(fresh))
    return PlanVersion.objects.get(pk=version.pk)
