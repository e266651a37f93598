"""Existing bekendmakingen become rows per party (issue 15), without loss.

Until now an adoption (PlanVersion.made_known_on) and a withdrawal (Plan.made_known_on) were made known on one
day, through the portal, to the parties with a portal account. So every adopted or superseded version with that
date gets a "portaal" row on it for each party that was told that way, and every withdrawn plan likewise:
the guardians with gezag who have an active portal account, and the adult, handelingsbekwame pupil with one
(his parents only with his permission or when they consent together, R-TIME-4 — the rule the notices used).
Parties without an account were not told through the portal: the school records their letter or conversation.

The rule is written out here rather than imported from opp.rules, so that this migration keeps doing what it
did when the code moves on. The two date fields stay as "first made known"; nothing is changed or deleted.
"""

from django.db import migrations

BATCH = 1000


def _parties(student, guardians):
    """[(kind, id, name)] told through the portal, as opp.adoption._parents_to_notify did."""
    parties = []
    if student["handelingsbekwaam"]:
        if student["portal_active"]:
            parties.append(("pupil", student["id"], f"{student['first_name']} {student['last_name']}"))
        if student["consent_party"] != "leerling_en_ouders" and not student["parents_informed"]:
            return parties
    parties += [("guardian", gid, name) for gid, name in guardians.get(student["id"], [])]
    return parties


def _students(apps, ids):
    Student = apps.get_model("students", "Student")
    GuardianLink = apps.get_model("students", "GuardianLink")
    students = {}
    for row in Student.objects.filter(pk__in=ids).values(
            "id", "first_name", "last_name", "handelingsbekwaam", "consent_party", "parents_informed",
            "portal_user_id", "portal_user__is_active"):
        row["portal_active"] = bool(row["portal_user_id"] and row["portal_user__is_active"])
        students[row["id"]] = row
    guardians = {}
    links = (GuardianLink.objects.filter(student_id__in=ids, has_gezag=True, guardian__user__isnull=False,
                                         guardian__user__is_active=True)
             .order_by("student_id", "guardian__name", "guardian_id")
             .values_list("student_id", "guardian_id", "guardian__name"))
    for student_id, guardian_id, name in links:
        guardians.setdefault(student_id, []).append((guardian_id, name))
    return students, guardians


def _rows(apps, subjects):
    """subjects: [(plan_id, student_id, act, version_id or None, day)] → unsaved Bekendmaking rows."""
    Bekendmaking = apps.get_model("opp", "Bekendmaking")
    students, guardians = _students(apps, {s[1] for s in subjects})
    rows = []
    for plan_id, student_id, act, version_id, day in subjects:
        for kind, party_id, name in _parties(students[student_id], guardians):
            rows.append(Bekendmaking(
                plan_id=plan_id, act=act, version_id=version_id, party_name=name[:200], channel="portaal",
                made_known_on=day, guardian_id=party_id if kind == "guardian" else None,
                pupil_id=party_id if kind == "pupil" else None))
    return rows


def _in_batches(apps, values):
    Bekendmaking = apps.get_model("opp", "Bekendmaking")
    batch = []
    for subject in values:
        batch.append(subject)
        if len(batch) >= BATCH:
            Bekendmaking.objects.bulk_create(_rows(apps, batch), ignore_conflicts=True)
            batch = []
    if batch:
        Bekendmaking.objects.bulk_create(_rows(apps, batch), ignore_conflicts=True)


def forwards(apps, schema_editor):
    PlanVersion = apps.get_model("opp", "PlanVersion")
    Plan = apps.get_model("opp", "Plan")
    versions = (PlanVersion.objects.filter(state__in=["vastgesteld", "vervangen"], made_known_on__isnull=False)
                .order_by("pk").values_list("plan_id", "plan__student_id", "pk", "made_known_on"))
    _in_batches(apps, ((plan_id, student_id, "vaststelling", pk, day)
                       for plan_id, student_id, pk, day in versions.iterator(chunk_size=BATCH)))
    plans = (Plan.objects.filter(state="ingetrokken", made_known_on__isnull=False)
             .order_by("pk").values_list("pk", "student_id", "made_known_on"))
    _in_batches(apps, ((pk, student_id, "intrekking", None, day)
                       for pk, student_id, day in plans.iterator(chunk_size=BATCH)))


class Migration(migrations.Migration):
    dependencies = [("opp", "0008_bekendmaking")]
    # Backwards: nothing to undo here; 0008's reverse drops the table.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
