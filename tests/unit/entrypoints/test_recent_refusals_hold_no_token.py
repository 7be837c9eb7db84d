"""The edge's memory of 429s holds digests of the refused tokens, never a token itself."""

import gc
from hashlib import sha256

from todo_service.application import RateLimitExceededError
from todo_service.application.rate_policy import RatePolicy
from todo_service.entrypoints.http.edge.recent_refusals import RecentRefusals

WRITES = RatePolicy("writes", per_minute=30, burst=2)
# Shaped like a bearer token, and unlike any string the interpreter already holds.
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyZWZ1c2VkIn0." + "s1gnature-of-a-refused-token" * 40


def _everything_held(refusals: RecentRefusals) -> list[object]:
    """What the memory refers to, nested containers opened: its keys and entries."""
    held: list[object] = []
    pending: list[object] = list(gc.get_referents(refusals))
    while pending:
        item = pending.pop()
        held.append(item)
        if isinstance(item, dict | tuple | list):
            pending.extend(gc.get_referents(item))
    return held


def test_a_refused_token_is_remembered_by_its_digest_only() -> None:
    refusals = RecentRefusals()
    refusals.remember(TOKEN, RateLimitExceededError(WRITES, 10))

    held = _everything_held(refusals)
    assert not [item for item in held if isinstance(item, str | bytes) and len(item) > 64]
    assert not any(item == TOKEN or item == TOKEN.encode() for item in held)
    assert sha256(TOKEN.encode()).digest() in held
    # Still refused by the token it was told about, and only by it.
    assert refusals.refusal(TOKEN, "POST") is not None
    assert refusals.refusal(TOKEN + "x", "POST") is None
