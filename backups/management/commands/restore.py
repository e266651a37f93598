"""`manage.py restore FOLDER [--force] [--check]`: what `make restore BACKUP=…` and bin/restore run."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups import services


class Command(BaseCommand):
    # A backup or a restore after a disaster must not wait on an unrelated system check (admin, templates).
    requires_system_checks = []
    help = ("Controleert een back-up aan de hand van zijn manifest en zet hem terug in de database van DATABASE_URL "
            "en de bestandsopslag (PRIVATE_MEDIA_ROOT of OPP_STORAGE_URL). Weigert een gewijzigde back-up, en een doel dat niet leeg is (tenzij --force).")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="de map van de back-up (onder BACKUP_DIR)")
        parser.add_argument("--force", action="store_true",
                            help="vervang wat er in de doeldatabase en de doelmap staat (alles daarin gaat verloren)")
        parser.add_argument("--check", action="store_true", help="alleen het manifest controleren, niets terugzetten")

    def handle(self, *args, folder, force=False, check=False, **options):
        try:
            if check:
                manifest = services.verify(folder)
                self.stdout.write(self.style.SUCCESS(
                    f"Back-up {folder} is compleet en ongewijzigd ({len(manifest['files'])} bestanden)."))
                return
            result = services.restore(folder, force=force)
        except services.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Teruggezet uit {result.folder}: de database en {result.files} bestanden, gecontroleerd tegen het "
            "manifest. Draai nu `manage.py migrate` als de code nieuwer is dan de back-up."))
