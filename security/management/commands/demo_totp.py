from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import demo


class Command(BaseCommand):
    help = ("Toont de huidige tweestapscode van een demo-account (alleen demo-accounts: weigert elk account "
            "waarvan de sleutel niet de openbare demosleutel is).")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None or device.key != demo.demo_totp_key(username):
            raise CommandError(f"{username} is geen demo-account met een demosleutel.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
