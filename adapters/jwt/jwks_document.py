import json
import time
import urllib.request
from collections.abc import Iterable, Mapping

from jwt import PyJWK
from jwt.exceptions import PyJWTError

MAX_DOCUMENT_BYTES = 512 * 1024
_CHUNK_BYTES = 16 * 1024
# RFC 9864 names Ed25519 keys `Ed25519`; PyJWT knows that curve only as `EdDSA`.
_ALGORITHM_ALIASES = {"Ed25519": "EdDSA"}


class KeySetUnavailableError(Exception):
    """The key set could not be fetched, or held no key this service may use."""


def fetch_signing_keys(
    url: str, timeout_seconds: float, algorithms: Iterable[str]
) -> dict[str, PyJWK]:
    """The signing keys a JWKS endpoint publishes, by `kid`, for the allowed algorithms.

    Blocks for at most about `timeout_seconds` (urllib's timeout bounds each network
    step; reading stops at that deadline too) and reads at most 512 KiB.
    """
    try:
        document = json.loads(_download(url, timeout_seconds))
    except (OSError, ValueError, RecursionError):
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


def _download(url: str, timeout_seconds: float) -> bytes:
    deadline = time.monotonic() + timeout_seconds
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310
        body = bytearray()
        while chunk := response.read(_CHUNK_BYTES):
            body += chunk
            if len(body) > MAX_DOCUMENT_BYTES or time.monotonic() > deadline:
                raise ValueError("JWKS document too large or too slow")
        status = response.status
    if status != 200:
        raise ValueError("JWKS endpoint did not answer 200")
    return bytes(body)
