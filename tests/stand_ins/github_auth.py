"""GitHub App credentials as GitHub checks them: RS256 App JWTs, installation tokens, git Basic auth."""

from __future__ import annotations

import base64
import secrets
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.stand_ins.github_state import Installation, Token, World, client_id, now

MAX_JWT_LIFETIME = 600  # GitHub rejects an App JWT whose exp is more than ten minutes ahead
CLOCK_DRIFT = 60  # and tolerates about this much clock drift on iat


class AuthFailed(Exception):
    """A credential GitHub would refuse; the message is GitHub's own wording where it has one."""


def key_pair(private_pem: str | None = None) -> tuple[str, bytes]:
    """An App's RSA key: (private PEM text for the bot, public PEM for verification); fresh unless given."""
    if private_pem is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
    # Our own fresh key: skip the slow RSA consistency check (tens of ms per load on a busy CI machine).
    loaded = serialization.load_pem_private_key(
        private_pem.encode(), password=None, unsafe_skip_rsa_key_validation=True
    )
    public = loaded.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public


def verify_app_jwt(world: World, token: str) -> int:
    """The app id an App JWT proves, or AuthFailed; checks signature, iss, iat and exp like GitHub."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        issuer = str(claims["iss"])
    except (jwt.PyJWTError, KeyError):
        raise AuthFailed("A JSON web token could not be decoded") from None
    # GitHub takes the App's id or, since 2024, its client id as the issuer.
    app = next((a for a in world.apps.values() if issuer in (str(a.app_id), client_id(a.app_id))), None)
    if app is None:
        raise AuthFailed(f"Integration not found: no App with id {issuer} is registered with the stand-in")
    try:
        jwt.decode(
            token,
            app.public_key_pem,
            algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"]},
            leeway=CLOCK_DRIFT,
        )
    except jwt.ExpiredSignatureError:
        raise AuthFailed(
            "'Expiration time' claim ('exp') must be a numeric value representing the future time "
            "at which the assertion expires"
        ) from None
    except jwt.ImmatureSignatureError:
        raise AuthFailed(
            "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
        ) from None
    except jwt.PyJWTError as exc:
        raise AuthFailed(f"A JSON web token could not be decoded ({exc})") from None
    if int(claims["exp"]) > time.time() + MAX_JWT_LIFETIME + CLOCK_DRIFT:
        raise AuthFailed("'Expiration time' claim ('exp') is too far in the future")
    return app.app_id


def mint_token(world: World, installation_id: int) -> Token:
    token = Token(
        token="ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36],
        installation_id=installation_id,
        expires_at=now() + world.token_lifetime,
    )
    world.tokens[token.token] = token
    return token


def installation_of(world: World, token: str) -> Installation:
    """The installation a token belongs to, or AuthFailed('Bad credentials') as GitHub answers."""
    record = world.tokens.get(token)
    if record is None or record.expires_at <= now():
        raise AuthFailed("Bad credentials")
    return world.installations[record.installation_id]


def bearer(authorization: str | None) -> str | None:
    """The credential from `Authorization: token X` or `Authorization: Bearer X`."""
    if not authorization:
        return None
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() in ("token", "bearer") and credential.strip():
        return credential.strip()
    return None


def basic_password(authorization: str | None, expected_user: str = "x-access-token") -> str | None:
    """The password of `Authorization: Basic` if the user is the one GitHub wants with installation tokens."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(authorization[6:].strip()).decode().partition(":")
    except ValueError:
        return None
    return password if user == expected_user and password else None
