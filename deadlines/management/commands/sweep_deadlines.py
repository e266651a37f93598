import datetime

from django.core.management.base import BaseCommand, CommandError

from deadlines import services


class Command(BaseCommand):
    help = "Berekent de termijnen en maakt herinneringen aan (dezelfde sweep als de dagelijkse Celery-taak)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Doe alsof het deze dag is (JJJJ-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Alleen tonen wat er zou gebeuren.")

    def handle(self, *args, date=None, dry_run=False, **options):
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"Ongeldige datum {date!r}: gebruik JJJJ-MM-DD.") from exc
        result = services.sweep(today=today, dry_run=dry_run)
        rows = result.would_create if dry_run else result.created
        verb = "Zou aanmaken" if dry_run else "Aangemaakt"
        self.stdout.write(f"Sweep voor {result.run_date.isoformat()}: {verb.lower()} {len(rows)} herinnering(en), "
                          f"{result.notifications} bericht(en), {len(result.errors)} fout(en).")
        for r in rows:
            escal = f" → escalatie: {', '.join(r['escalate_to'])}" if r["escalate_to"] else ""
            self.stdout.write(f"  {verb}: {r['kind']} {r['initials']} (school {r['school_id']}) "
                              f"uiterlijk {r['due_on']}, stap {r['step']}{escal}")
        for e in result.errors:
            self.stderr.write(f"  Fout: {e}")
