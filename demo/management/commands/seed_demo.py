from django.conf import settings
from django.core.management.base import BaseCommand

from disputes.demo import seed_disputes
from evaluations.demo import seed_evaluations
from opp.demo import seed_adoption, seed_consent, seed_plans
from opp.demo_bank import seed_bank
from opp.demo_copy_forward import seed_copy_forward
from opp.demo_ldgm import seed_ldgm
from opp.demo_measurements import seed_measurements
from portal.demo import seed_invitations
from retention.demo import seed_retention
from security import demo
from students.demo import seed_students
from swv.demo import seed_swv


class Command(BaseCommand):
    help = "Maakt de demo-organisaties, -accounts en -leerlingen aan (idempotent: opnieuw draaien is veilig)."

    def handle(self, *args, **options):
        users = demo.seed_organisations_and_accounts()
        # An account with a second factor is always asked for it, so the demo staff get their fixed TOTP
        # devices only when 2FA is required: `make run` (OPP_REQUIRE_2FA=0) logs in with the password alone.
        if settings.OPP_REQUIRE_2FA:
            secrets = dict(demo.seed_demo_devices(users))
        else:
            demo.remove_demo_devices(users)
            secrets = {}
        for hook in demo_hooks():
            hook()
        self.stdout.write(self.style.SUCCESS(f"Demodata klaar. Wachtwoord voor alle demo-accounts: {demo.DEMO_PASSWORD}"))
        width = max(len(a.username) for a in demo.ACCOUNTS)
        for acc in demo.ACCOUNTS:
            self.stdout.write(f"  {acc.username.ljust(width)}  {acc.description}")
        self.stdout.write("")
        if not secrets:
            self.stdout.write("Tweestapsverificatie staat uit (OPP_REQUIRE_2FA=0); `make run OPP_REQUIRE_2FA=1` zet die "
                              "aan en geeft de demo-accounts een sleutel.")
            return
        self.stdout.write("Tweestapsverificatie: voeg de sleutel toe aan een authenticator-app, of vraag de huidige "
                          "code op met `python manage.py demo_totp <gebruikersnaam>`.")
        for username, secret in secrets.items():
            self.stdout.write(f"  {username.ljust(width)}  {secret}")


def demo_hooks():
    """Each feature app adds its demo data here, in dependency order."""
    # seed_ldgm writes the revisions' doelgroepenmodel on the day they were written, so before copy forward (today).
    return [seed_students, seed_bank, seed_plans, seed_consent, seed_adoption, seed_evaluations, seed_measurements,
            seed_ldgm, seed_copy_forward, seed_disputes, seed_invitations, seed_swv, seed_retention]
