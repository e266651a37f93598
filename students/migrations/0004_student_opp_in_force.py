"""The pupil's standing from its whole OPP history (issue 15; students.history).

Before, "adopted" meant "any version of any plan of this pupil was ever adopted", and a placement's term ran from
the enrolment. This adds opp_in_force and recomputes every pupil's term and its basis with students.history, so
an ended or withdrawn plan no longer switches the term off and a placement sets its own term. Nothing is deleted:
the eligibility history stays as it was; a pupil whose term changes gets the new one on its next write too.
"""

from django.db import migrations, models
from django.db.models import Min, Q
from django.utils import timezone

FROZEN = ("vastgesteld", "vervangen")


def recompute(apps, schema_editor):
    from students import eligibility, history

    Student = apps.get_model("students", "Student")
    Plan = apps.get_model("opp", "Plan")
    PlacementEvent = apps.get_model("students", "PlacementEvent")

    plans: dict[int, list] = {}
    rows = (Plan.objects.annotate(first=Min("versions__adopted_at", filter=Q(versions__state__in=FROZEN)))
            .values_list("student_id", "pk", "state", "created_at", "ended_on", "first"))
    for student_id, pk, state, created_at, ended_on, first in rows.iterator():
        plans.setdefault(student_id, []).append(history.PlanFact(
            started_on=timezone.localtime(created_at).date(), state=state, pk=pk, ended_on=ended_on,
            adopted_on=timezone.localtime(first).date() if first else None))
    placements: dict[int, list] = {}
    for student_id, kind, start_on in PlacementEvent.objects.values_list("student_id", "kind", "start_on").iterator():
        placements.setdefault(student_id, []).append(eligibility.PlacementFact(kind=kind, start_on=start_on))

    for s in Student.objects.all().iterator():
        facts = eligibility.PupilFacts(
            onderwijssoort=s.onderwijssoort, extra_support=s.support_level == "extra", lwoo=s.lwoo,
            dyslexie=s.dyslexie, dyscalculie=s.dyscalculie, hoogbegaafd=s.hoogbegaafd)
        its_plans = tuple(plans.get(s.pk, ()))
        live = history.live_placements(placements.get(s.pk, ()), its_plans)
        st = history.standing(
            onderwijssoort=s.onderwijssoort, enrolled_on=s.enrolled_on, placed_on=s.placed_on,
            support_need_on=s.support_need_on, need_without_placements=eligibility.decide(facts).required,
            placements=live, plans=its_plans)
        Student.objects.filter(pk=s.pk).update(
            opp_required=st.required, opp_start_on=st.term.on if st.term else None,
            opp_start_basis=str(st.term.basis) if st.term else "", opp_due_on=st.due_on, opp_in_force=st.in_force)


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0003_student_consent_party_student_parents_informed"),
        ("opp", "0007_plan_student_state_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="student",
            name="opp_in_force",
            field=models.BooleanField(default=False, verbose_name="vastgesteld OPP van kracht"),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
