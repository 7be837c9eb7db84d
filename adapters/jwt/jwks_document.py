import json
from collections.abc import Iterable, Mapping
from http.client import HTTPException

from jwt import PyJWK
from jwt.exceptions import PyJWTError

from todo_service.adapters.jwt.http_fetch import download

MAX_DOCUMENT_BYTES = 512 * 1024
# RFC 9864 names Ed25519 keys `Ed25519`; PyJWT knows that curve only as `EdDSA`.
_ALGORITHM_ALIASES = {"Ed25519": "EdDSA"}


class KeySetUnavailableError(Exception):
    """The key set could not be fetched, or held no key this service may use."""


def fetch_signing_keys(
    url: str, timeout_seconds: float, algorithms: Iterable[str]
) -> dict[str, PyJWK]:
    """The signing keys a JWKS endpoint publishes, by `kid`, for the allowed algorithms.

    Ends within `timeout_seconds`, however slowly the endpoint connects or answers;
    reads at most 512 KiB; follows redirects only on the same host, never to http.
    """
    try:
        document = json.loads(download(url, timeout_seconds, MAX_DOCUMENT_BYTES))
    except (OSError, ValueError, RecursionError, HTTPException):
        raise KeySetUnavailableError from None
    keys = signing_keys(document, frozenset(algorithms))
    if not keys:
        raise KeySetUnavailableError
    return keys


def signing_keys(document: object, algorithms: frozenset[str]) -> dict[str, PyJWK]:
    """The usable signature keys of a JWK Set: with a `kid`, not for encryption, allowed."""
    members = document.get("keys") if isinstance(document, Mapping) else None
    keys: dict[str, PyJWK] = {}
    for member in members if isinstance(members, list) else ():
        key = _signing_key(member, algorithms)
        if key is not None and key.key_id not in keys:
            keys[str(key.key_id)] = key
    return keys


def _signing_key(member: object, algorithms: frozenset[str]) -> PyJWK | None:
    if not isinstance(member, dict) or member.get("use") not in (None, "sig"):
        return None
    kid = member.get("kid")
    if not isinstance(kid, str) or not kid:
        return None
    named = member.get("alg")
    algorithm = _ALGORITHM_ALIASES.get(named, named) if isinstance(named, str) else None
    try:
        key = PyJWK(member, algorithm)
    except (PyJWTError, KeyError, TypeError, ValueError):
        return None
    return key if key.algorithm_name in algorithms else None
