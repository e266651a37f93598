"""The private files on an S3-compatible object store (opp_portal.files, opp_portal.s3, django-storages), proven
against moto's server on loopback (tests/s3.py): uploads, the archive of an adopted OPP, the dispute dossier, the
parents' inzage ZIP, retention and the backup's file list all go through the bucket and never touch the disk; the
objects are encrypted at rest and not public; the archive's and the dossier's hashes are checked when read back; a
store that cannot be reached is a Dutch 503, never a 500.
"""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from disputes import tasks as dispute_tasks
from disputes.models import DisputeDocument, DossierExport
from opp import adoption
from opp_portal import files, storage_config, uploads
from retention import services as retention
from tests.auth import login
from tests.conftest import PASSWORD
from tests.disputes.test_dossier import case  # noqa: F401 -- the dossier's cast, as a fixture
from tests.factories import fresh, ter_vaststelling
from tests.pdfs import MINIMAL_PDF
from tests.retention.world import FILE_DUE, frozen, left_pupil

pytestmark = pytest.mark.services


def objects(server, bucket) -> dict[str, dict]:
    """Every object in the bucket with its head (encryption, type)."""
    client = server.client()
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.head_object(Bucket=bucket, Key=o["Key"]) for o in listed}


def nothing_on_disk(private_root) -> bool:
    root = Path(private_root)
    return not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def tamper(server, bucket, name):
    server.client().put_object(Bucket=bucket, Key=name, Body=b"%PDF-1.7 another document")


# --- The storage itself -------------------------------------------------------------------------------------------


def test_a_stored_upload_is_an_encrypted_private_object_and_nothing_is_written_to_disk(s3_storage, private):
    server, bucket = s3_storage
    stored = uploads.store(SimpleUploadedFile("scan.pdf", MINIMAL_PDF, content_type="application/pdf"),
                           folder="instemming")
    heads = objects(server, bucket)
    assert list(heads) == [stored.name] and stored.name.startswith("instemming/")
    assert heads[stored.name]["ServerSideEncryption"] == "AES256"
    acl = server.client().get_object_acl(Bucket=bucket, Key=stored.name)
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in acl["Grants"])  # no AllUsers/AuthenticatedUsers
    assert files.read(stored.name) == MINIMAL_PDF
    assert nothing_on_disk(private)


def test_no_url_is_ever_made_for_a_private_file(s3_storage):
    name = files.save(files.new_name("instemming", "pdf"), MINIMAL_PDF)
    with pytest.raises(files.NoPublicURL):
        files.storage().url(name)


def test_a_name_is_never_overwritten(s3_storage):
    first = files.save("archief/2026/x.pdf", b"%PDF-1.7 one")
    second = files.save("archief/2026/x.pdf", b"%PDF-1.7 two")
    assert first != second and files.read(first) == b"%PDF-1.7 one"


def test_the_storage_url_is_parsed_strictly():
    entry = storage_config.private_storage("s3://opp-files/prod?endpoint=https://minio:9000&region=eu-central-1")
    assert entry["BACKEND"] == storage_config.S3_BACKEND
    options = entry["OPTIONS"]
    assert (options["bucket_name"], options["location"], options["endpoint_url"]) == ("opp-files", "prod", "https://minio:9000")
    assert options["object_parameters"] == {"ServerSideEncryption": "AES256"} and options["default_acl"] is None
    assert storage_config.private_storage("")["BACKEND"] == storage_config.FILESYSTEM_BACKEND
    for bad in ["ftp://x", "s3://key:secret@bucket", "s3://bucket?sse=none", "s3://bucket?public=1", "s3://"]:
        with pytest.raises(storage_config.StorageURLError):
            storage_config.private_storage(bad)


# --- Uploads through the screens: written by one request, served by the next -----------------------------------


def test_a_dispute_document_uploaded_through_the_page_is_downloaded_from_the_bucket(s3_storage, case, personas, private):  # noqa: F811
    server, bucket = s3_storage
    DisputeDocument.objects.filter(dispute=case).delete()
    client = login(Client(), personas.geschillen_a)
    response = client.post(reverse("disputes:upload", args=[case.pk]), {
        "title": "Brief van de ouders", "upload": SimpleUploadedFile("brief.pdf", MINIMAL_PDF, content_type="application/pdf")})
    assert response.status_code == 302
    doc = DisputeDocument.objects.get(dispute=case)
    assert doc.stored_name in objects(server, bucket)
    download = client.get(reverse("disputes:document", args=[case.pk, doc.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == MINIMAL_PDF
    assert nothing_on_disk(private)


# --- The archive of an adopted OPP ---------------------------------------------------------------------------------


@pytest.fixture
def adopted(s3_storage, world, personas):
    version = ter_vaststelling(world.version_a, by=personas.begeleider_a)
    adoption.adopt(actor=personas.bestuurder_a, version=fresh(version), password=PASSWORD)
    world.version_a = fresh(version)
    world.server, world.bucket = s3_storage
    return world


def test_the_archived_pdf_is_in_the_bucket_with_its_hash_and_served_from_there(adopted, personas, private):
    version = adopted.version_a
    assert version.archived_pdf.startswith("archief/") and version.archived_pdf in objects(adopted.server, adopted.bucket)
    client = login(Client(), personas.bestuurder_a)
    response = client.get(reverse("opp:archived_pdf", args=[version.pk]))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and hashlib.sha256(body).hexdigest() == version.archived_pdf_hash
    assert nothing_on_disk(private)


def test_an_archived_pdf_changed_in_the_bucket_is_refused_with_a_dutch_page(adopted, personas, caplog):
    version = adopted.version_a
    tamper(adopted.server, adopted.bucket, version.archived_pdf)
    client = login(Client(raise_request_exception=False), personas.bestuurder_a)
    response = client.get(reverse("opp:archived_pdf", args=[version.pk]))
    assert response.status_code == 500
    assert "niet meer hetzelfde als bij het opslaan" in response.content.decode()
    assert b"another document" not in response.content
    assert any("does not match its hash" in r.getMessage() for r in caplog.records)


def test_the_parents_inzage_zip_holds_the_archived_pdf_read_from_the_bucket(adopted):
    response = login(Client(), adopted.ouder_a).post(reverse("portal:inzage", args=[adopted.version_a.plan.student_id]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    pdfs = [archive.read(n) for n in archive.namelist() if n.endswith(".pdf")]
    assert adopted.version_a.archived_pdf_hash in {hashlib.sha256(p).hexdigest() for p in pdfs}


def test_the_inzage_refuses_a_changed_archive_rather_than_give_the_parents_another_copy(adopted):
    tamper(adopted.server, adopted.bucket, adopted.version_a.archived_pdf)
    client = login(Client(raise_request_exception=False), adopted.ouder_a)
    response = client.post(reverse("portal:inzage", args=[adopted.version_a.plan.student_id]))
    assert response.status_code == 500 and "niet meer hetzelfde" in response.content.decode()


# --- The dispute dossier: built by a worker, in the bucket, checked when downloaded -------------------------------


def test_the_dossier_is_built_into_the_bucket_and_checked_when_downloaded(s3_storage, case, personas, private):  # noqa: F811
    server, bucket = s3_storage
    export = DossierExport.objects.create(dispute=case, requested_by=personas.geschillen_a)
    dispute_tasks.build_dossier.apply(args=[export.pk])
    export.refresh_from_db()
    assert export.state == "klaar", export.error
    assert export.stored_name in objects(server, bucket)
    client = login(Client(raise_request_exception=False), personas.geschillen_a)
    url = reverse("disputes:export_download", args=[case.pk, export.pk])
    body = b"".join(client.get(url).streaming_content)
    assert hashlib.sha256(body).hexdigest() == export.sha256
    tamper(server, bucket, export.stored_name)
    assert client.get(url).status_code == 500


# --- Retention and backup -----------------------------------------------------------------------------------------


def test_retention_deletes_the_pupils_files_from_the_bucket(s3_storage, org, personas, django_capture_on_commit_callbacks):
    server, bucket = s3_storage
    roos = left_pupil(org, personas)
    assert set(roos.files) <= set(objects(server, bucket))
    with django_capture_on_commit_callbacks(execute=True), frozen(FILE_DUE):
        retention.run()
    assert not set(roos.files) & set(objects(server, bucket))


def test_the_backup_lists_every_object_in_the_bucket(s3_storage):
    names = {files.save(files.new_name(folder, "pdf"), MINIMAL_PDF) for folder in ("archief", "instemming", "dossiers")}
    assert set(files.names()) == names


# --- An object store that cannot be reached -----------------------------------------------------------------------


def test_an_unreachable_store_is_a_503_and_not_a_500(s3_storage, settings, case, personas):  # noqa: F811
    doc = DisputeDocument.objects.filter(dispute=case).first()
    entry = storage_config.private_storage("s3://gone?endpoint=http://127.0.0.1:9&region=eu-central-1")
    entry["OPTIONS"] |= {"access_key": "x", "secret_key": "y",
                         "client_config": Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1})}
    settings.STORAGES = {**settings.STORAGES, "private": entry}
    client = login(Client(raise_request_exception=False), personas.geschillen_a)
    response = client.get(reverse("disputes:document", args=[case.pk, doc.pk]))
    assert response.status_code == 503 and response["Retry-After"]
    assert "even niet beschikbaar" in response.content.decode()
