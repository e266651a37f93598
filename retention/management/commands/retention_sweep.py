"""`manage.py retention_sweep [--date YYYY-MM-DD] [--dry-run] [--runs]`: the retention job from the shell.

The same run as the nightly task (retention.services.run), audited and recorded in RetentionRun. With
--dry-run it only lists what would go; with --runs it shows the last runs (did the nightly job run?) and does
nothing else. Pupils are named by their pseudonymous reference and school, never by name (terminal output
ends up in logs, and the operator does not need the names).
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from opp_portal import dates
from retention import rules, services
from retention.models import RetentionRun


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"‘{value}’ is geen datum; schrijf JJJJ-MM-DD, bijvoorbeeld 2026-11-28.") from None


def model_name(label: str) -> str:
    if label == "accounts.user":
        return "portaalaccounts (geanonimiseerd)"
    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except LookupError:
        return label


def describe(per_model: dict[str, int]) -> str:
    return ", ".join(f"{model_name(label)} {n}" for label, n in per_model.items())


def pupils(n: int) -> str:
    return f"{n} leerling" if n == 1 else f"{n} leerlingen"


def rows(n: int) -> str:
    return f"{n} rij" if n == 1 else f"{n} rijen"


class Command(BaseCommand):
    help = "Verwijdert de gegevens van vertrokken leerlingen na hun bewaartermijn. Met --dry-run alleen een overzicht."

    def add_arguments(self, parser):
        parser.add_argument("--date", metavar="JJJJ-MM-DD", help="peildatum (standaard vandaag)")
        parser.add_argument("--dry-run", action="store_true", help="niets verwijderen, alleen tonen wat zou gaan")
        parser.add_argument("--runs", action="store_true", help="alleen de laatste rondes tonen")

    def handle(self, *args, date=None, dry_run=False, runs=False, **options):
        if runs:
            with translation.override("nl"):
                self._runs()
            return
        today = timezone.localdate()
        day = _day(date) if date else today
        if day > today and not dry_run:
            raise CommandError("Een peildatum in de toekomst kan alleen met --dry-run: er zou te vroeg worden verwijderd.")
        with translation.override("nl"):
            result = services.run(day, dry_run=dry_run)
            self._report(result)

    def _report(self, result: services.Sweep) -> None:
        out = self.stdout.write
        when = dates.formatted(result.today)
        if result.dry_run:
            out(f"Bewaartermijnen op {when} – proef: er is niets verwijderd.")
        else:
            out(f"Bewaartermijnen op {when}.")
        out("Termijnen na uitschrijving: " + ", ".join(
            f"{rules.LABELS[c]} {result.terms.years(c)} jaar" for c in rules.CATEGORIES) + ".")
        out("")
        heading = "Gaat weg" if result.dry_run else "Verwijderd"
        self._table(f"{heading} ({pupils(len(result.pupils))}):", result.pupils)
        if result.held:
            self._table(f"Aangehouden wegens een lopend geschil ({pupils(len(result.held))}); hiervan gaat niets weg:",
                        result.held)
        if result.errors:
            out(f"Niet verwijderd door een fout ({pupils(len(result.errors))}; de volgende ronde probeert het opnieuw):")
            for error in result.errors:
                out(f"  {error['ref']}  {error['error']}")
            out("")
        out("Totaal per categorie:")
        width = max(len(label) for label in rules.LABELS.values())
        for category, total in result.totals().items():
            line = f"  {rules.LABELS[category].ljust(width)}  {pupils(total['pupils'])}"
            if total["rows"]:
                line += f", {rows(sum(total['rows'].values()))}: {describe(total['rows'])}"
            out(line)
        imports = result.imports
        days = services.import_days()
        if result.dry_run:
            out(f"Importbestanden: bij {imports['blanked']} zou de inhoud worden gewist; {imports['deleted']} ouder dan "
                f"{days} dagen zouden worden verwijderd.")
        else:
            out(f"Importbestanden: bij {imports['blanked']} is de inhoud gewist; {imports['deleted']} ouder dan {days} "
                f"dagen zijn verwijderd.")
        if result.dry_run:
            self.stdout.write(self.style.SUCCESS("Proef klaar: er is niets verwijderd. Zonder --dry-run wordt echt verwijderd."))
        elif result.errors:
            self.stdout.write(self.style.WARNING(f"Klaar, met {len(result.errors)} fout(en); zie hierboven."))
        else:
            self.stdout.write(self.style.SUCCESS("Klaar. Elke verwijdering staat in het auditlogboek."))

    def _runs(self, limit: int = 10) -> None:
        out = self.stdout.write
        out("Laatste rondes van de bewaartermijnen:")
        out(f"  {'Gestart'.ljust(23)}  {'Klaar'.ljust(23)}  {'Peildatum'.ljust(17)}  Soort  Resultaat")
        for run in RetentionRun.objects.all()[:limit]:
            started = dates.formatted(timezone.localtime(run.started_at), "j F Y H:i")
            finished = dates.formatted(timezone.localtime(run.finished_at), "j F Y H:i") if run.finished_at else "niet klaar"
            counts = run.counts or {}
            result = (f"{pupils(counts.get('pupils', 0))}, {len(counts.get('held', []))} aangehouden, "
                      f"{len(counts.get('errors', []))} fout(en)") if run.finished_at else ""
            out(f"  {started.ljust(23)}  {finished.ljust(23)}  {dates.formatted(run.run_date).ljust(17)}  "
                f"{'proef' if run.dry_run else 'echt '}  {result}")

    def _table(self, title: str, items: list[services.PupilDue]) -> None:
        out = self.stdout.write
        out(title)
        if not items:
            out("  (geen)")
            out("")
            return
        school_width = max(len("School"), *(len(i.school_name) for i in items))
        cats_width = max(len("Categorieën"), *(len(self._cats(i)) for i in items))
        out(f"  {'Referentie'.ljust(16)}  {'School'.ljust(school_width)}  {'Categorieën'.ljust(cats_width)}  Rijen")
        for item in items:
            out(f"  {item.ref.ljust(16)}  {item.school_name.ljust(school_width)}  {self._cats(item).ljust(cats_width)}  "
                f"{item.rows}")
            for category in item.categories:
                out(f"  {'':16}  {rules.LABELS[category]}: {describe(item.counts[category])}")
        out("")

    @staticmethod
    def _cats(item: services.PupilDue) -> str:
        return ", ".join(rules.LABELS[c] for c in item.categories)
