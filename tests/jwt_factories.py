"""Real tokens and real keys for the JWT adapter's tests: nothing of PyJWT is mocked."""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

SECRET = "a-development-secret-of-32-bytes"
# The issuer and audience a JWKS-mode service is configured with in these tests.
PROVIDER_ISSUER = "https://auth.example.com"
PROVIDER_AUDIENCE = "todo-api"
PROVIDER: dict[str, Any] = {"issuer": PROVIDER_ISSUER, "audience": PROVIDER_AUDIENCE}
OMIT = object()

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def make_claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims for `alice`, an hour to live; pass OMIT to leave a claim out."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"sub": "alice", "iat": now, "exp": now + timedelta(hours=1)}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not OMIT}


def provider_claims(**overrides: Any) -> dict[str, Any]:
    """`make_claims` with the issuer and audience the tests' JWKS-mode services expect."""
    return make_claims(**{"iss": PROVIDER_ISSUER, "aud": PROVIDER_AUDIENCE, **overrides})


def in_seconds(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def sign_with_secret(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_segment(value: object) -> str:
    return _segment(json.dumps(value).encode())


def unsigned_token(claims: dict[str, Any], **header: Any) -> str:
    """An `alg: none` token, built by hand as an attacker would."""
    payload = {name: _timestamp(value) for name, value in claims.items()}
    return f"{_json_segment({'alg': 'none', 'typ': 'JWT', **header})}.{_json_segment(payload)}."


def hmac_signed_by_hand(claims: dict[str, Any], key: bytes, **header: Any) -> str:
    """An HS256 token signed with any bytes, even a PEM public key PyJWT would refuse."""
    payload = {name: _timestamp(value) for name, value in claims.items()}
    signing_input = (
        f"{_json_segment({'alg': 'HS256', 'typ': 'JWT', **header})}.{_json_segment(payload)}"
    )
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_segment(signature)}"


def _timestamp(value: Any) -> Any:
    return int(value.timestamp()) if isinstance(value, datetime) else value


@dataclass(frozen=True)
class SigningKey:
    """An identity provider's key pair, with its public half as a JWK."""

    kid: str
    algorithm: str
    private_key: PrivateKey = field(repr=False)

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        headers = {
            name: value for name, value in {"kid": self.kid, **header}.items() if value is not None
        }
        return jwt.encode(claims, self.private_key, algorithm=self.algorithm, headers=headers)

    @property
    def public_jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        jwk: dict[str, Any]
        if isinstance(public, rsa.RSAPublicKey):
            jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            jwk = ECAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = OKPAlgorithm.to_jwk(public, as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def make_rsa_key(kid: str = "rsa-1", key_size: int = 2048) -> SigningKey:
    return SigningKey(
        kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    )


def make_ec_key(kid: str = "ec-1") -> SigningKey:
    return SigningKey(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))


def make_ed25519_key(kid: str = "ed-1") -> SigningKey:
    return SigningKey(kid, "EdDSA", ed25519.Ed25519PrivateKey.generate())
