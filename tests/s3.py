"""A real S3-compatible object store on loopback for the storage tests: moto's server mode (`python -m moto.server`,
HTTP on 127.0.0.1 with a random port), the stand-in for MinIO/AWS S3 that CI can install from PyPI.

`s3_server` (session) starts it once; `s3_storage` (per test) makes a fresh bucket and points STORAGES["private"] at it
through the same OPP_STORAGE_URL parsing production uses (opp_portal.storage_config).
"""

from __future__ import annotations

import importlib.util
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import boto3
import pytest

from opp_portal import storage_config
from tests.services import _unavailable

ACCESS_KEY = "opp-test-access-key"
SECRET_KEY = "opp-test-secret-key-0123456789"
REGION = "eu-central-1"
START_SECONDS = 30

@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name=REGION)

    def url(self, bucket: str) -> str:
        return f"s3://{bucket}?endpoint={self.endpoint}&region={REGION}"

    def environment(self, bucket: str) -> dict[str, str]:
        """What a web or worker process needs to use the bucket (as a deployment sets it)."""
        return {"OPP_STORAGE_URL": self.url(bucket), "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY}

    def new_bucket(self) -> str:
        bucket = f"opp-test-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        return bucket

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

def require_moto_server() -> None:
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        _unavailable("needs moto's server mode for the S3 tests: pip install 'moto[server]' (make install does it)")

@pytest.fixture(scope="session")
def s3_server():
    require_moto_server()
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 -- our own interpreter and module
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                err = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
                _unavailable(f"moto's S3 server did not start on {endpoint}: {err}")
            time.sleep(0.1)
    yield S3Server(endpoint, process)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()

@pytest.fixture
def s3_storage(s3_server, settings):
    """STORAGES["private"] on a fresh bucket of the loopback S3 server; yields (server, bucket)."""
    bucket = s3_server.new_bucket()
    entry = storage_config.private_storage(s3_server.url(bucket))
    entry["OPTIONS"] |= {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}
    settings.STORAGES = {**settings.STORAGES, "private": entry}
    return s3_server, bucket
