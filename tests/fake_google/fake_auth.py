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

Every API request is then identified by its Authorization header (`identify`), as a `Grant`:
who acts (a service account, or the person it acts as), the Cloud project of the OAuth client
(the "app", which `drive.file` and appProperties belong to) and the scopes the token carries:
- an access token this endpoint issued: what it was issued for (a JWT grant: the scopes the
  JWT asked for, the `sub` or the account, the key's project; a refresh token: the scopes
  asked for, at most those it was signed in with);
- a JWT a service account signed itself (google-auth does so outside Google's universe, as
  the tests' keys are): checked against the account's keys like a grant, its `scope` claim
  being the scopes;
- a token made by `sign_in_user` (a coordinator who ran `tutorsync auth login`).
Anything else answers 401 UNAUTHENTICATED "Request had invalid authentication credentials.";
a request with no Authorization header at all is the test's own hand (`Grant` None: every
scope, every file), which Google would answer 401.

Choices where Google leaves room: a delegation covers a scope only if that very scope was
granted (no wider scope stands in for a narrower one); the user is looked up before the
delegation; a refresh gets a token for the scopes it asks for that the sign-in granted (all
of them when it asks for none), and says which in `scope`, as google-auth expects of
"unbundled" consent (whether Google answers `invalid_scope` instead when asked for more is not
verified); a self-signed JWT with an audience and no `scope` claim carries no scope (Google
lets it call the API it names). Not modelled: the JWT's iat/exp against the clock (Google
refuses a JWT outside "a reasonable timeframe", and a self-signed JWT or a token after it
expires), tokens revoked, and refresh tokens the fake never issued (accepted, for the scopes
asked, as someone's).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import GoogleError

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
class Grant:
    """What an access token stands for: who acts, through which app, with which scopes."""

    principal: str  # the account acting, lower case: a service account, or the person it acts as
    project: str  # the Cloud project of the OAuth client: the app drive.file access belongs to
    scopes: frozenset[str]
    service_account: bool = False  # a service account acting as itself

    @property
    def app(self) -> tuple[str, str]:
        """Whose drive.file access a file records: this account through this app (Drive
        grants it per user and app)."""
        return (self.principal, self.project)


def project_of(client_email: str) -> str:
    """A service account's project, from its address (NAME@PROJECT.iam.gserviceaccount.com)."""
    return client_email.partition("@")[2].removesuffix(".iam.gserviceaccount.com")


def client_project(client_id: str) -> str:
    """The project of an OAuth client ID ("NUMBER-xxx.apps.googleusercontent.com": the
    project's number comes first)."""
    return client_id.split("-", 1)[0]


def _unauthenticated() -> GoogleError:
    """Google's 401 for an access token it does not know (or a JWT it cannot verify). The
    message as Google APIs send it (rohitaryal/imageFX-api#2); Drive and Calendar v3 add the
    legacy errors[] entry authError "Invalid Credentials" at the Authorization header."""
    return GoogleError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
        reason="authError",
        location="Authorization",
        location_type="header",
        errors_message="Invalid Credentials",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


@dataclass(frozen=True)
class _Key:
    client_email: str
    client_id: str
    public_key: rsa.RSAPublicKey
    project: str


class FakeAuth:
    """Service account keys, the domain's users and its domain-wide delegations, and the access
    tokens issued. All methods are safe to call mid-test (the server answers token requests
    from other threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, _Key] = {}
        self._deleted: set[str] = set()
        self._users: set[str] = set()
        self._delegations: dict[str, set[str]] = {}
        self._tokens: dict[str, Grant] = {}  # access tokens issued
        self._refresh_tokens: dict[str, Grant] = {}
        self._verified: dict[str, tuple[str, Grant]] = {}  # self-signed JWT -> (key id, grant)
        self._issued = itertools.count(1)

    def add_key(
        self,
        key_id: str,
        *,
        client_email: str,
        client_id: str,
        private_key_pem: str,
        project: str | None = None,
    ) -> None:
        """A service account key Google knows (its public half is what Google keeps).
        `project`: the account's Cloud project (by default, the one its address names)."""
        public = _private_key(private_key_pem).public_key()
        owner = project or project_of(client_email)
        with self._lock:
            self._keys[key_id] = _Key(client_email, client_id, public, owner)
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

    def sign_in_user(
        self, email: str, scopes: list[str] | tuple[str, ...], *, client_id: str
    ) -> dict[str, str]:
        """A person signing in to the OAuth client `client_id` and allowing these scopes on
        Google's consent screen (`tutorsync auth login`): the access and refresh tokens the
        sign-in gives, to write into a token file."""
        grant = Grant(email.lower(), client_project(client_id), frozenset(scopes))
        with self._lock:
            access = self._issue(grant)
            refresh = f"fake-refresh-token-{next(self._issued)}"
            self._refresh_tokens[refresh] = grant
        return {"access_token": access, "refresh_token": refresh}

    def issued(self, token: str) -> Grant | None:
        """What an access token this endpoint issued stands for."""
        with self._lock:
            return self._tokens.get(token)

    # --- the token endpoint ----------------------------------------------------------------

    def exchange(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """A token request's answer: (status, JSON body), a token or Google's refusal."""
        grant_type = _first(form, "grant_type")
        if grant_type == REFRESH_TOKEN:
            return self._refresh(form)
        if grant_type != JWT_BEARER:
            return 400, token_error("unsupported_grant_type", "Invalid grant_type: " + grant_type)
        try:
            header, claims, signed, signature = _parse_jwt(_first(form, "assertion"))
        except ValueError:
            return 400, token_error("invalid_request", "Invalid JWT.")
        key = self._verify(header, claims, signed, signature)
        if key is None:
            return invalid_grant(INVALID_SIGNATURE)
        asked = frozenset(str(claims.get("scope", "")).split())
        subject = str(claims.get("sub") or "")
        if subject:
            with self._lock:
                known = subject.lower() in self._users
                delegated = set(self._delegations.get(key.client_id, set()))
            if not known:
                return invalid_grant(UNKNOWN_USER)
            if not asked or not asked <= delegated:
                return unauthorized_client()
        principal = subject or key.client_email
        grant = Grant(principal.lower(), key.project, asked, service_account=not subject)
        with self._lock:
            token = self._issue(grant)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _refresh(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        refresh_token = _first(form, "refresh_token")
        if not refresh_token:
            return invalid_grant("Bad Request")
        asked = frozenset(_first(form, "scope").split())
        with self._lock:
            signed_in = self._refresh_tokens.get(refresh_token)
        if signed_in is None:  # not issued here: the scopes asked for, for someone
            project = client_project(_first(form, "client_id"))
            signed_in = Grant("signed-in-user", project, asked)
        scopes = asked & signed_in.scopes if asked else signed_in.scopes
        grant = Grant(signed_in.principal, signed_in.project, scopes)
        with self._lock:
            token = self._issue(grant)
        body: dict[str, Any] = {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        if scopes:
            body["scope"] = " ".join(sorted(scopes))
        return 200, body

    def _issue(self, grant: Grant) -> str:
        token = f"fake-access-token-{next(self._issued)}"
        self._tokens[token] = grant
        return token

    def _verify(
        self, header: dict[str, Any], claims: dict[str, Any], signed: bytes, signature: bytes
    ) -> _Key | None:
        """The key that signed a JWT, if Google would accept its signature."""
        key_id = str(header.get("kid", ""))
        with self._lock:
            key = self._keys.get(key_id)
            deleted = key_id in self._deleted
        if key is None or deleted or claims.get("iss") != key.client_email:
            return None
        try:
            key.public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return None
        return key

    # --- API requests ----------------------------------------------------------------------

    def identify(self, authorization: str | None) -> Grant | None:
        """The grant an API request's Authorization header carries; None for a request
        without one (the test's own hand). Raises GoogleError 401 for credentials Google
        would not accept."""
        if authorization is None:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _unauthenticated()
        with self._lock:
            issued = self._tokens.get(token)
            verified = self._verified.get(token)
            if verified is not None and verified[0] in self._deleted:
                verified = None
        if issued is not None:
            return issued
        if verified is not None:
            return verified[1]
        grant = self._self_signed(token)
        if grant is None:
            raise _unauthenticated()
        return grant

    def _self_signed(self, token: str) -> Grant | None:
        """A JWT a service account signed for an API itself: its scopes, if it verifies."""
        try:
            header, claims, signed, signature = _parse_jwt(token)
        except ValueError:
            return None
        key = self._verify(header, claims, signed, signature)
        if key is None:
            return None
        scopes = frozenset(str(claims.get("scope", "")).split())
        grant = Grant(key.client_email.lower(), key.project, scopes, service_account=True)
        with self._lock:
            self._verified[token] = (str(header.get("kid", "")), grant)
        return grant


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
