"""`manage.py import_students SCHOOL_BRIN FILE [--apply] [--as USERNAME]`: the CSV or EDEXML import from the shell.

Without --apply it is a dry run: it prints what would happen and every error, and stores nothing.
With --apply the file is applied in one transaction, all or nothing, recorded in the audit log under
the user named with --as (who must be allowed to edit pupils of that school). Pupil names are not
printed (terminal output ends up in logs); rows are named by line and pupil number.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import School, User
from students import access as student_access
from students import csv_import


class Command(BaseCommand):
    help = "Importeert leerlingen uit een CSV- of EDEXML-bestand. Standaard een proefimport; met --apply wordt echt geïmporteerd."

    def add_arguments(self, parser):
        parser.add_argument("brin", metavar="SCHOOL_BRIN", help="BRIN-code van de school, bijvoorbeeld 11AA")
        parser.add_argument("file", metavar="FILE", help="het CSV- of EDEXML-bestand (zie docs/import-leerlingen.md)")
        parser.add_argument("--apply", action="store_true", help="echt importeren (in één transactie)")
        parser.add_argument("--as", dest="username", metavar="USERNAME",
                            help="gebruikersnaam van wie importeert, voor het auditlogboek (verplicht bij --apply)")

    def handle(self, *args, brin, file, apply, username, **options):
        school = School.objects.filter(brin=brin.strip().upper()).first()
        if school is None:
            raise CommandError(f"Er is geen school met BRIN-code {brin}.")
        if apply and not username:
            raise CommandError("Geef met --as de gebruikersnaam op van wie importeert; die komt in het auditlogboek.")
        actor = self._actor(username, school) if username else None
        raw = self._read(Path(file))

        try:
            if apply:
                batch, plan = csv_import.batch_create(actor=actor, school=school, filename=Path(file).name, raw=raw)
                if batch is not None:
                    plan = csv_import.batch_apply(batch=batch, actor=actor)
            else:
                text, _encoding = csv_import.decode(raw)
                plan = csv_import.plan_import(school=school, text=text)
        except csv_import.FileRejected as exc:
            raise CommandError("Er is niets geïmporteerd. " + " ".join(exc.messages)) from None
        except csv_import.ImportRefused as exc:
            if exc.plan is not None:
                self._report(exc.plan)
            raise CommandError(exc.message) from None

        self._report(plan)
        if not plan.ok:
            raise CommandError(f"{plan.counts['errors']} regel(s) met fouten; er is niets geïmporteerd.")
        if apply:
            self.stdout.write(self.style.SUCCESS(f"Geïmporteerd in {school}: {plan.summary()}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"Proefimport voor {school}: {plan.summary()}"))
            self.stdout.write("Er is niets opgeslagen. Voeg --apply --as GEBRUIKERSNAAM toe om te importeren.")

    def _actor(self, username: str, school: School) -> User:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"Er is geen actieve gebruiker ‘{username}’.")
        if not student_access.may_edit_pupils_of(actor, school):
            raise CommandError(f"Gebruiker ‘{username}’ mag geen leerlingen van {school} wijzigen.")
        return actor

    def _read(self, path: Path) -> bytes:
        try:
            size = path.stat().st_size
            if size > csv_import.max_bytes():
                raise CommandError("Er is niets geïmporteerd. " + csv_import.too_large_message(size))
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Het bestand {path} kan niet worden gelezen: {exc.strerror}.") from None

    def _report(self, plan: csv_import.Plan) -> None:
        for note in plan.notes:  # EDEXML: the version, vestigingen, which fields were dropped (R-CONTENT-9)
            self.stdout.write(note)
        for row in plan.changes:
            what = str(row.action)
            if row.changed_columns:
                what += ": " + ", ".join(row.changed_columns)
            self.stdout.write(f"regel {row.line}\tleerlingnummer {row.pupil_number}\t{what}")
        for problem in plan.problems:
            self.stderr.write(f"fout: {problem}")
