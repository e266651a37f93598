"""`Student.destination` becomes a choice of students.destinations; the free text it held is mapped by
students.destinations.from_text (the one mapping, also used by the CSV import and tested there): a text that names
a known destination gets its key, with the text kept as the note when it says more; anything else becomes
"overig" with the whole text in the note. Nothing a school wrote is lost."""

from django.db import migrations, models

from students import destinations


def forwards(apps, schema_editor):
    Student = apps.get_model("students", "Student")
    for student in Student.objects.exclude(destination="").only("pk", "destination", "destination_note").iterator():
        key, note = destinations.from_text(student.destination)
        Student.objects.filter(pk=student.pk).update(destination=key, destination_note=note[:200])


def backwards(apps, schema_editor):
    Student = apps.get_model("students", "Student")
    for student in Student.objects.exclude(destination="").only("pk", "destination", "destination_note").iterator():
        note, label = student.destination_note, destinations.label(student.destination)
        # The note alone when it is the sentence the key was read from; else the key's label and the note together.
        if note and destinations.from_text(note)[0] == student.destination:
            text = note
        else:
            text = f"{label} — {note}" if note else label
        Student.objects.filter(pk=student.pk).update(destination=text[:200])


class Migration(migrations.Migration):

    dependencies = [
        ("students", "0005_student_name_sort_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="student",
            name="destination_note",
            field=models.CharField(blank=True, max_length=200, verbose_name="toelichting bij de bestemming"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="student",
            name="destination",
            field=models.CharField(blank=True, choices=destinations.choices(), max_length=40,
                                   verbose_name="bestemming na uitschrijving"),
        ),
    ]
