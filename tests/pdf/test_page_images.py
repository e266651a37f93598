"""Every PDF kind as page images, for people to look at (a CI artifact): artifacts/pdf-pages/<kind>/page-N.png.

Realistic content (tests/pdf/worlds.py), every page rendered by poppler's `pdftoppm -r 60`. Without pdftoppm the
test skips with the reason, except under OPP_REQUIRE_SERVICES=1 (CI), where that is a failure.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from accounts.models import Role
from tests.factories import member
from tests.pdf import worlds
from tests.services import REQUIRED

PAGES = settings.BASE_DIR / "artifacts" / "pdf-pages"

pytestmark = pytest.mark.services


def pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        reason = "needs pdftoppm (poppler-utils) to write the PDF page images"
        if REQUIRED:
            pytest.fail(f"OPP_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return found


def test_every_pdf_kind_is_written_as_page_images(clock, private, org, personas, tmp_path):
    tool = pdftoppm()
    world = worlds.build(org, member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_beelden"),
                         personas.bestuurder_a, maximal=False, today=timezone.localdate())
    for kind, data in worlds.render_all(world).items():
        folder = PAGES / kind
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        source = tmp_path / f"{kind}.pdf"
        source.write_bytes(data)
        subprocess.run([tool, "-r", "60", "-png", str(source), str(tmp_path / kind)], check=True, timeout=120)
        count = len(PdfReader(source).pages)
        made = sorted(tmp_path.glob(f"{kind}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        assert len(made) == count, kind
        for number, png in enumerate(made, start=1):
            target = folder / f"page-{number}.png"
            shutil.move(png, target)
            with Image.open(target) as image:
                assert image.size[0] > 400 and image.size[1] > 600, (kind, number, image.size)
                # Not blank: a page with text has many shades, a blank page one.
                assert len(image.convert("L").getcolors(maxcolors=256 * 256) or []) > 8, (kind, number)
            assert target.stat().st_size > 2000, (kind, number)
