"""Dutch sorting of the pupil list: Student.name_sort_key (students.names.sort_key), filled for existing pupils."""

from django.db import migrations, models

from students.names import sort_key


def fill_sort_keys(apps, schema_editor):
    Student = apps.get_model("students", "Student")
    batch = []
    for student in Student.objects.only("pk", "last_name").iterator(chunk_size=2000):
        student.name_sort_key = sort_key(student.last_name)
        batch.append(student)
        if len(batch) >= 2000:
            Student.objects.bulk_update(batch, ["name_sort_key"])
            batch = []
    if batch:
        Student.objects.bulk_update(batch, ["name_sort_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("students", "0004_student_opp_in_force"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="student",
            name="student_school_name_idx",
        ),
        migrations.AddField(
            model_name="student",
            name="name_sort_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=150, verbose_name="sorteernaam"),
        ),
        migrations.AddIndex(
            model_name="student",
            index=models.Index(fields=["school", "name_sort_key", "first_name"], name="student_school_sortname_idx"),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
    ]
