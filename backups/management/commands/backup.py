"""`manage.py backup [--dir DIR] [--keep N]`: what `make backup` and bin/backup run (see backups/services.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups import services


class Command(BaseCommand):
    # A backup or a restore after a disaster must not wait on an unrelated system check (admin, templates).
    requires_system_checks = []
    help = ("Maakt een back-up: de PostgreSQL-database (pg_dump, custom-formaat), de privébestanden en een manifest "
            "met de SHA-256 van elk, in een map met tijdstempel onder BACKUP_DIR.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="map voor de back-ups (standaard BACKUP_DIR, var/backups)")
        parser.add_argument("--keep", type=int, metavar="N",
                            help="houd daarna alleen de N nieuwste back-ups in die map (de rest wordt verwijderd)")

    def handle(self, *args, dir=None, keep=None, **options):  # noqa: A002 (the option's name)
        try:
            if keep is not None and keep < 1:
                raise services.BackupError("--keep moet minstens 1 zijn: de nieuwste back-up blijft altijd staan.")
            result = services.create(dest_root=dir)
            gone = services.prune(dest_root=dir, keep=keep) if keep is not None else []
        except services.BackupError as exc:
            raise CommandError(str(exc)) from None
        for path in gone:
            self.stdout.write(f"Oude back-up verwijderd: {path}")
        self.stdout.write(self.style.SUCCESS(
            f"Back-up klaar: {result.folder} ({result.files} bestanden, {result.bytes / 1e6:.1f} MB). "
            "Bewaar hem versleuteld en buiten de school (zie README, Backups)."))
        self.stdout.write(str(result.folder))
