"""Suite-wide settings and the fixtures that put tutorsync on the fake Google server."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_google import FakeGoogle
from hypothesis import settings

# In CI, property tests replay the same examples every run, so a landing is not decided by
# which random inputs came up; locally they explore new inputs each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def private_key_pem() -> str:
    """A throwaway RSA key, made for this test run only: the service account key tests use
    is generated, never stored."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    """A fresh fake of Google's APIs; the test fails if tutorsync sent any request Google
    would reject whatever the state (unknown method, parameter or field)."""
    with FakeGoogle() as fake:
        yield fake
        assert not fake.invalid_requests, fake.invalid_requests


@pytest.fixture
def google_key_file(tmp_path: Path, fake_google: FakeGoogle, private_key_pem: str) -> Path:
    """A service account key whose token endpoint is the fake's: the production auth path
    (a signed JWT exchanged for a token) runs unchanged."""
    key = {
        "type": "service_account",
        "project_id": "tutorsync-tests",
        "private_key_id": "test-key",
        "private_key": private_key_pem,
        "client_email": "tutorsync@tutorsync-tests.iam.gserviceaccount.com",
        "client_id": "100000000000000000000",
        "token_uri": fake_google.token_uri,
        # Outside Google's own universe, google-auth makes no Regional Access Boundary lookup
        # (a background call to iamcredentials.googleapis.com that would leave this machine).
        "universe_domain": "tutorsync-tests.example",
    }
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(key), encoding="utf-8")
    return path


@pytest.fixture
def google_workspace_settings(fake_google: FakeGoogle, google_key_file: Path) -> dict:
    """The [workspace] section of a config that runs on the fake."""
    return {
        "kind": "google",
        "google": {
            "auth": "service_account",
            "key_file": str(google_key_file),
            "endpoint": fake_google.base_url,
            "timeout_seconds": 10,
            # Tests pace nothing unless they test pacing; Google's per-user limits would
            # make each test wait a second between writes.
            "quotas": {"sheets_read": 6000, "sheets_write": 6000, "calendar": 6000, "drive": 6000},
        },
    }
