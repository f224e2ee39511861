"""The OAuth 2.0 token endpoint (oauth2.googleapis.com/token), refusing what Google refuses.

A service account signs a JWT with its key and trades it here for an access token (google-auth
does this on the first API call, not when credentials are built). Google checks the signature
against the account's keys that still exist, and, when the JWT names a `sub` (domain-wide
delegation), that the user exists and that a Workspace admin granted the account's client ID
every scope asked for. The answers, with Google's own JSON:
- a key the fake does not know, one deleted, or a signature that does not match:
  400 `invalid_grant` "Invalid JWT Signature.";
- a `sub` that is not a user of the domain: 400 `invalid_grant` "Invalid email or User ID";
- a `sub` for a client ID without delegation of every requested scope: 401
  `unauthorized_client` "Client is unauthorized to retrieve access tokens using this method,
  or client not authorized for any of the scopes requested.".

Choices where Google leaves room: a delegation covers a scope only if that very scope was
granted (no wider scope stands in for a narrower one); the user is looked up before the
delegation. Not modelled: the JWT's iat/exp against the clock (Google refuses a JWT outside
"a reasonable timeframe"), scopes on the access tokens issued (the API handlers do not read
the Authorization header), and revoked refresh tokens.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFRESH_TOKEN = "refresh_token"

INVALID_SIGNATURE = "Invalid JWT Signature."
UNKNOWN_USER = "Invalid email or User ID"
NOT_DELEGATED = (
    "Client is unauthorized to retrieve access tokens using this method, or client not "
    "authorized for any of the scopes requested."
)


def token_error(error: str, description: str | None = None) -> dict[str, str]:
    """The JSON body of a refused token request, as oauth2.googleapis.com sends it."""
    body = {"error": error}
    if description is not None:
        body["error_description"] = description
    return body


def invalid_grant(description: str) -> tuple[int, dict[str, str]]:
    return 400, token_error("invalid_grant", description)


def unauthorized_client() -> tuple[int, dict[str, str]]:
    return 401, token_error("unauthorized_client", NOT_DELEGATED)


def key_id_of(private_key_pem: str) -> str:
    """A stable 40-hex-digit key ID for a private key, like the private_key_id Google gives."""
    public = _private_key(private_key_pem).public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha1(der).hexdigest()


@dataclass(frozen=True)
class _Key:
    client_email: str
    client_id: str
    public_key: rsa.RSAPublicKey


class FakeAuth:
    """Service account keys, the domain's users and its domain-wide delegations. All methods
    are safe to call mid-test (the server answers token requests from other threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, _Key] = {}
        self._deleted: set[str] = set()
        self._users: set[str] = set()
        self._delegations: dict[str, set[str]] = {}

    def add_key(
        self, key_id: str, *, client_email: str, client_id: str, private_key_pem: str
    ) -> None:
        """A service account key Google knows (its public half is what Google keeps)."""
        public = _private_key(private_key_pem).public_key()
        with self._lock:
            self._keys[key_id] = _Key(client_email, client_id, public)
            self._deleted.discard(key_id)

    def delete_key(self, key_id: str) -> None:
        """As deleting the key in the Cloud console: JWTs it signed are refused from now on."""
        with self._lock:
            self._deleted.add(key_id)

    def add_user(self, email: str) -> None:
        """A user of the Workspace domain, whom a delegated service account may act as."""
        with self._lock:
            self._users.add(email.lower())

    def grant_delegation(self, client_id: str, scopes: list[str] | tuple[str, ...]) -> None:
        """As an admin adding the client ID with these scopes under Domain-wide delegation
        (a second grant for the same client ID replaces the first, as the console's edit)."""
        with self._lock:
            self._delegations[client_id] = set(scopes)

    def answer(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]] | None:
        """The refusal of a token request (status, JSON body), or None to issue a token."""
        grant = _first(form, "grant_type")
        if grant == REFRESH_TOKEN:
            return None if _first(form, "refresh_token") else invalid_grant("Bad Request")
        if grant != JWT_BEARER:
            return 400, token_error("unsupported_grant_type", "Invalid grant_type: " + grant)
        try:
            header, claims, signed, signature = _parse_jwt(_first(form, "assertion"))
        except ValueError:
            return 400, token_error("invalid_request", "Invalid JWT.")
        with self._lock:
            key = self._keys.get(str(header.get("kid", "")))
            deleted = str(header.get("kid", "")) in self._deleted
            users = set(self._users)
            delegations = {k: set(v) for k, v in self._delegations.items()}
        if key is None or deleted or claims.get("iss") != key.client_email:
            return invalid_grant(INVALID_SIGNATURE)
        try:
            key.public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return invalid_grant(INVALID_SIGNATURE)
        subject = claims.get("sub")
        if not subject:
            return None
        if str(subject).lower() not in users:
            return invalid_grant(UNKNOWN_USER)
        asked = set(str(claims.get("scope", "")).split())
        if not asked or not asked <= delegations.get(key.client_id, set()):
            return unauthorized_client()
        return None


def _first(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0]


def _parse_jwt(assertion: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, claims, the signed bytes, the signature) of a compact JWT."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")
    header, claims = (json.loads(_b64decode(part)) for part in parts[:2])
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("not a JWT")
    return header, claims, f"{parts[0]}.{parts[1]}".encode(), _b64decode(parts[2])


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise ValueError("not base64url") from error


def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("a service account key is an RSA key")
    return key
