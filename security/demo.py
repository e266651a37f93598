"""Demo organisations and accounts. Later features add their own demo data beside this."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Board, Membership, Role, Samenwerkingsverband, School, User
from security import approvals
from security.otp import TOTP_NAME, secret_base32

DEMO_PASSWORD = "opp-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    description: str
    role: str | None = None
    school: str | None = None  # BRIN
    board: str | None = None  # board name
    mandate: bool = False
    groups: tuple[str, ...] = ()  # a leerkracht's own groups: they read only those pupils
    # Asked by the demo beheerder and not approved yet: something for the approvers to decide on.
    pending: bool = False


BOARD_PS = "Stichting Primair en Speciaal"
BOARD_NOORD = "Stichting Noord"

SWVS = [
    ("PO 26-01", "Samenwerkingsverband Passend Primair Onderwijs Rivierenland"),
    ("VO 26-01", "Samenwerkingsverband VO Rivierenland"),
    ("PO 20-02", "Samenwerkingsverband Primair Onderwijs Noorderkwartier"),
]

SCHOOLS = [
    # brin, name, board, onderwijssoorten, cluster, swv
    ("11AA", "OBS De Bron", BOARD_PS, ["bao"], None, "PO 26-01"),
    ("11BB", "SBO Het Kompas", BOARD_PS, ["sbo"], None, "PO 26-01"),
    ("11CC", "VSO De Horizon", BOARD_PS, ["vso"], 4, "VO 26-01"),
    ("22DD", "CBS Het Anker", BOARD_NOORD, ["bao"], None, "PO 20-02"),
]

ACCOUNTS = [
    DemoAccount("ib.debron", "Ingrid", "Bakker", "Intern begeleider, OBS De Bron", Role.BEGELEIDER, school="11AA"),
    DemoAccount("ib.kompas", "Karim", "Ouali", "Intern begeleider, SBO Het Kompas", Role.BEGELEIDER, school="11BB"),
    DemoAccount("zc.horizon", "Zeynep", "Çelik", "Zorgcoördinator, VSO De Horizon", Role.BEGELEIDER, school="11CC"),
    DemoAccount("leerkracht.debron", "Lotte", "Visser", "Leerkracht groep 6, OBS De Bron (alleen lezen)", Role.LEERKRACHT, school="11AA", groups=("6",)),
    DemoAccount("directeur.debron", "Daan", "Mulder", "Schoolleider OBS De Bron, met mandaat om vast te stellen", Role.SCHOOLLEIDER, school="11AA", mandate=True),
    DemoAccount("bestuurder", "Bea", "Smit", "Bestuurder, Stichting Primair en Speciaal", Role.BESTUURDER, board=BOARD_PS),
    DemoAccount("geschillen", "Gert", "de Boer", "Geschillenfunctionaris, Stichting Primair en Speciaal", Role.GESCHILLEN, board=BOARD_PS),
    DemoAccount("commissie.horizon", "Carla", "Hendriks", "Commissie voor de begeleiding, VSO De Horizon", Role.COMMISSIE, school="11CC"),
    DemoAccount("beheerder", "Bart", "Jacobs", "Functioneel beheerder, Stichting Primair en Speciaal", Role.BEHEERDER, board=BOARD_PS),
    DemoAccount("ib.anker", "Anouk", "Dekker", "Intern begeleider, CBS Het Anker", Role.BEGELEIDER, school="22DD"),
    DemoAccount("bestuurder.noord", "Niels", "Bos", "Bestuurder, Stichting Noord", Role.BESTUURDER, board=BOARD_NOORD),
    DemoAccount("nieuw.debron", "Noor", "van Dijk",
                "Nieuwe leerkracht, OBS De Bron: de rol wacht op goedkeuring door directeur.debron of bestuurder",
                Role.LEERKRACHT, school="11AA", pending=True),
    DemoAccount("ouder.jansen", "Mirjam", "Jansen", "Ouder van een leerling van OBS De Bron"),
    DemoAccount("ouder.elbaz", "Youssef", "El Baz", "Ouder van een leerling van SBO Het Kompas"),
    DemoAccount("ouder.devries", "Sanne", "de Vries", "Ouder van een leerling van CBS Het Anker"),
    DemoAccount("leerling.horizon", "Milan", "Kok", "Meerderjarige, handelingsbekwame leerling van VSO De Horizon"),
]


@transaction.atomic
def seed_organisations_and_accounts() -> dict[str, User]:
    boards = {
        name: Board.objects.update_or_create(name=name, defaults={})[0] for name in (BOARD_PS, BOARD_NOORD)
    }
    swvs = {code: Samenwerkingsverband.objects.update_or_create(code=code, defaults={"name": name})[0] for code, name in SWVS}
    schools = {}
    for brin, name, board, soorten, cluster, swv in SCHOOLS:
        school, _ = School.objects.update_or_create(
            brin=brin,
            defaults={"name": name, "board": boards[board], "onderwijssoorten": soorten, "cluster": cluster,
                      "samenwerkingsverband": swvs[swv]},
        )
        school.full_clean()
        schools[brin] = school
    users = {}
    for acc in ACCOUNTS:
        user, created = User.objects.get_or_create(username=acc.username)
        user.first_name, user.last_name = acc.first_name, acc.last_name
        user.email = f"{acc.username}@demo.opp-portaal.nl"
        user.is_active = True
        if acc.role:
            user.managed_by = boards[acc.board] if acc.board else schools[acc.school].board
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[acc.username] = user
        if acc.role and not acc.pending:
            membership, _ = Membership.objects.update_or_create(
                user=user,
                role=acc.role,
                school=schools.get(acc.school),
                board=boards.get(acc.board),
                defaults={"adoption_mandate": acc.mandate, "groups": list(acc.groups)},
            )
            if not membership.is_approved:
                # The demo's own organisation: approved as the data migration approves existing roles.
                membership.approved_at = timezone.now()
                membership.save(update_fields=["approved_at"])
    for acc in ACCOUNTS:
        if acc.pending and not Membership.objects.filter(user=users[acc.username], role=acc.role).exists():
            users[acc.username].created_by = users["beheerder"]
            users[acc.username].save(update_fields=["created_by"])
            approvals.request_membership(actor=users["beheerder"], membership=Membership(
                user=users[acc.username], role=acc.role, school=schools.get(acc.school), board=boards.get(acc.board),
                adoption_mandate=acc.mandate))
    return users


# --- Second factor for the demo ---------------------------------------------------------

def demo_totp_key(username: str) -> str:
    """A fixed TOTP key per demo account (hex, 20 bytes), so that a re-seed keeps the phone working.

    Derived from the public demo name: these keys are demo-only and printed by seed_demo; the
    `demo_totp` command refuses any account whose key is not this one.
    """
    return hmac.new(b"opp-portaal-demo-totp", username.encode(), hashlib.sha1).hexdigest()


def remove_demo_devices(users: dict[str, User]) -> None:
    """The demo staff's fixed devices (and only those: a device someone enrolled themselves has another key)."""
    for acc in ACCOUNTS:
        if acc.role and acc.username in users:
            TOTPDevice.objects.filter(user=users[acc.username], key=demo_totp_key(acc.username)).delete()


def seed_demo_devices(users: dict[str, User]) -> list[tuple[str, str]]:
    """Every demo account with a role gets a confirmed TOTP device; returns (username, base32 secret)."""
    out = []
    for acc in ACCOUNTS:
        if not acc.role:
            continue  # parents may enrol themselves; the demo leaves that to try out
        user = users[acc.username]
        key = demo_totp_key(acc.username)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True, key=key)
        elif device.key != key:
            device.key = key
            device.save(update_fields=["key"])
        out.append((acc.username, secret_base32(device)))
    return out
