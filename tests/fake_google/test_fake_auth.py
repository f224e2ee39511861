"""The fake's token endpoint refuses a sign-in as Google does, through google-auth's own
service account credentials (the JWT grant the production code makes on its first request)."""

import json

import pytest
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from google.oauth2 import service_account

from fake_google import FakeGoogle
from fake_google.fake_auth import NOT_DELEGATED
from fake_google.programs import (
    CLIENT_ID,
    GOOGLE_UNIVERSE,
    new_private_key,
    write_service_account_key,
)

SPREADSHEETS = "https://www.googleapis.com/auth/spreadsheets"
CALENDAR = "https://www.googleapis.com/auth/calendar.events"


@pytest.fixture
def key(tmp_path, fake_google: FakeGoogle, private_key_pem: str) -> dict:
    path = write_service_account_key(
        fake_google, tmp_path / "key.json", private_key_pem, universe_domain=GOOGLE_UNIVERSE
    )
    return json.loads(path.read_text())


def sign_in(key: dict, *, subject: str | None = None, scopes=(SPREADSHEETS,)):
    credentials = service_account.Credentials.from_service_account_info(key, scopes=list(scopes))
    if subject:
        credentials = credentials.with_subject(subject)
    credentials.refresh(Request())
    return credentials


def refusal(key: dict, **options) -> tuple[str, dict]:
    with pytest.raises(RefreshError) as raised:
        sign_in(key, **options)
    return raised.value.args[0], raised.value.args[1]


def test_a_known_key_gets_a_token(key, fake_google):
    assert sign_in(key).token.startswith("fake-access-token")
    assert [(r.method_id, r.status) for r in fake_google.requests] == [("oauth2.token", 200)]


def test_a_deleted_key_is_refused_with_invalid_grant(key, fake_google):
    fake_google.auth.delete_key(key["private_key_id"])

    message, reply = refusal(key)

    assert message == "invalid_grant: Invalid JWT Signature."
    assert reply == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    assert [(r.method_id, r.status) for r in fake_google.requests] == [("oauth2.token", 400)]
    assert fake_google.tokens_issued == 0


def test_a_key_google_never_made_is_refused_like_a_deleted_one(key):
    forged = dict(key, private_key=new_private_key())  # same key id, another private key
    assert refusal(forged)[1]["error"] == "invalid_grant"


def test_an_unknown_delegated_user_is_refused_with_invalid_grant(key, fake_google):
    fake_google.auth.grant_delegation(CLIENT_ID, [SPREADSHEETS])

    _, reply = refusal(key, subject="nobody@school.example")

    assert reply == {"error": "invalid_grant", "error_description": "Invalid email or User ID"}


def test_delegation_not_granted_is_refused_with_unauthorized_client(key, fake_google):
    fake_google.auth.add_user("coordinator@school.example")

    message, reply = refusal(key, subject="coordinator@school.example")

    assert reply == {"error": "unauthorized_client", "error_description": NOT_DELEGATED}
    assert message.startswith("unauthorized_client: Client is unauthorized to retrieve access")
    assert fake_google.requests[-1].status == 401


def test_delegation_must_grant_every_scope_asked_for(key, fake_google):
    fake_google.auth.add_user("coordinator@school.example")
    fake_google.auth.grant_delegation(CLIENT_ID, [SPREADSHEETS])

    _, reply = refusal(key, subject="Coordinator@school.example", scopes=(SPREADSHEETS, CALENDAR))
    assert reply["error"] == "unauthorized_client"

    fake_google.auth.grant_delegation(CLIENT_ID, [SPREADSHEETS, CALENDAR])
    granted = sign_in(key, subject="Coordinator@school.example", scopes=(SPREADSHEETS, CALENDAR))
    assert granted.token.startswith("fake-access-token")
