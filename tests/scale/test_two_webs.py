"""More than one web process and worker on one object store: two gunicorn processes (what bin/web runs, each on its
own port, like two machines behind a load balancer) and two Celery workers, all with OPP_STORAGE_URL on one S3 bucket
(moto's server on loopback, tests/s3.py) and one PostgreSQL and Redis.

- A geschillen user logs in for real (password, then the TOTP code) at web A; the session lives in the database, so
  web B knows them too.
- A document uploaded through web A is downloaded, the same bytes, through web B.
- A dossier requested through web A is built by one of the workers and downloaded, the same bytes, through both webs.
"""

import hashlib
import re

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.oath import TOTP

from accounts.models import User
from disputes import services as dispute_services
from disputes.models import DisputeDocument, DossierExport
from tests.auth import totp_device
from tests.conftest import PASSWORD
from tests.disputes.world import D, frozen, make_world
from tests.pdfs import MINIMAL_PDF

from .procs import Broker, start_web, start_workers, started, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_of(response: requests.Response) -> str:
    match = CSRF.search(response.text)
    assert match, f"no CSRF token on {response.url} ({response.status_code})"
    return match[1]


def log_in(session: requests.Session, web: str, user) -> None:
    """The login page, then the second factor, as a browser does it."""
    page = session.get(f"{web}/accounts/login/")
    done = session.post(f"{web}/accounts/login/", data={"username": user.username, "password": PASSWORD,
                                                        "csrfmiddlewaretoken": csrf_of(page)},
                        headers={"Referer": page.url}, allow_redirects=False)
    assert done.status_code == 302, done.text[:500]
    device = totp_device(user)
    verify = session.get(f"{web}/account/tweestaps/controle/")
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    done = session.post(verify.url, data={"token": code, "csrfmiddlewaretoken": csrf_of(verify)},
                        headers={"Referer": verify.url}, allow_redirects=False)
    assert done.status_code == 302 and "tweestaps" not in done.headers["Location"], done.text[:500]


@pytest.fixture
def queue_celery():
    """The webs enqueue the dossier build on Celery's default queue: ours on Redis database 12, emptied first."""
    broker = Broker()
    broker.queue = "celery"
    broker.redis().delete("celery")
    return broker


def test_a_file_written_through_one_web_is_served_by_the_other_and_a_workers_dossier_by_both(
        s3_server, queue_celery, tmp_path, org, personas):
    bucket = s3_server.new_bucket()
    storage = s3_server.environment(bucket)
    with frozen():  # the disputes cast's day: the dispute is filed within its term
        world = make_world(org, personas)
        dispute = dispute_services.register(actor=personas.geschillen_a, plan=world.plan, version=world.version,
                                            subject="vaststelling", filed_on=D(2026, 10, 5))
    user = personas.geschillen_a
    # The suite hashes passwords with MD5 for speed; the webs run production settings, which do not accept it.
    User.objects.filter(pk=user.pk).update(password=PBKDF2PasswordHasher().encode(PASSWORD, "scaletestsalt"))

    web_a, url_a = start_web("web-a", tmp_path, **storage)
    web_b, url_b = start_web("web-b", tmp_path, **storage)
    with started([web_a, web_b]), started(start_workers(queue_celery, tmp_path, **storage)):
        session = requests.Session()
        log_in(session, url_a, user)
        page = session.get(f"{url_a}/geschillen/{dispute.pk}/")
        assert page.status_code == 200 and "geschil" in page.text.lower()
        # The session is in the database: web B knows the user without a login.
        assert session.get(f"{url_b}/geschillen/{dispute.pk}/", allow_redirects=False).status_code == 200

        # Upload through web A …
        upload = SimpleUploadedFile("verweer.pdf", MINIMAL_PDF, content_type="application/pdf")
        done = session.post(f"{url_a}/geschillen/{dispute.pk}/documenten/",
                            data={"title": "Verweerschrift", "csrfmiddlewaretoken": csrf_of(page)},
                            files={"upload": (upload.name, upload.read(), upload.content_type)},
                            headers={"Referer": page.url}, allow_redirects=False)
        assert done.status_code == 302, done.text[:800]
        doc = DisputeDocument.objects.get(dispute=dispute, title="Verweerschrift")
        # … it is in the bucket, not on web A's disk …
        keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert any(key.endswith(doc.stored_name) for key in keys), (keys, doc.stored_name)
        # … and web B serves it.
        got = session.get(f"{url_b}/geschillen/{dispute.pk}/documenten/{doc.pk}/")
        assert got.status_code == 200 and got.content == MINIMAL_PDF

        # A dossier requested through web A, built by a worker …
        status = session.post(f"{url_a}/geschillen/{dispute.pk}/dossier/",
                              data={"csrfmiddlewaretoken": csrf_of(session.get(page.url))},
                              headers={"Referer": page.url}, allow_redirects=False)
        assert status.status_code == 302, status.text[:800]
        job = DossierExport.objects.get(dispute=dispute)
        wait_for("a worker to build the dossier", lambda: DossierExport.objects.filter(
            pk=job.pk, state__in=["klaar", "mislukt"]).exists(), timeout=60)
        job.refresh_from_db()
        assert job.state == "klaar", job.error
        # … downloaded through both webs, the same bytes.
        download = f"/geschillen/{dispute.pk}/dossier/{job.pk}/download/"
        from_a, from_b = session.get(url_a + download), session.get(url_b + download)
    assert from_a.status_code == from_b.status_code == 200
    assert from_a.content == from_b.content and from_a.content.startswith(b"%PDF-")
    assert hashlib.sha256(from_a.content).hexdigest() == job.sha256
    built_by = [w for w in ("worker1", "worker2") if "disputes.build_dossier" in (tmp_path / f"{w}.log").read_text()]
    assert built_by, "a worker's log names the build"
