import base64
import binascii
import hashlib
import hmac

_SIGNATURE_BYTES = 16


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sealer:
    """Opaque, tamper-evident tokens: `payload.signature`, both base64url.

    The signature (an HMAC-SHA256 cut to 128 bits) covers the payload and a scope
    the token is good for (its owner, its listing), which the token does not carry:
    a token opened under any other scope, or altered in any character, is refused.
    The secret comes from configuration, so every worker opens every other's tokens.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the cursor secret must be at least 32 bytes")
        self._secret = secret

    def seal(self, scope: bytes, payload: bytes) -> str:
        return f"{_b64encode(payload)}.{_b64encode(self._sign(scope, payload))}"

    def open(self, token: str, scope: bytes, max_length: int) -> bytes | None:
        """The payload of a token sealed under `scope`; None for anything else."""
        if len(token) > max_length or not token.isascii():
            return None
        encoded_payload, _, encoded_signature = token.partition(".")
        try:
            payload = _b64decode(encoded_payload)
            signature = _b64decode(encoded_signature)
        except (binascii.Error, ValueError):
            return None
        # base64 ignores the spare low bits of a last character: insist on the one
        # canonical spelling, so that every altered character is refused.
        if (_b64encode(payload), _b64encode(signature)) != (encoded_payload, encoded_signature):
            return None
        if not hmac.compare_digest(signature, self._sign(scope, payload)):
            return None
        return payload

    def _sign(self, scope: bytes, payload: bytes) -> bytes:
        message = scope + b"\n" + payload
        return hmac.digest(self._secret, message, hashlib.sha256)[:_SIGNATURE_BYTES]
