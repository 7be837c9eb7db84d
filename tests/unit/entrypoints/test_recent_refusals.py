"""The edge's memory of 429s: a token refused for a kind, until the moment it was told."""

from todo_service.application import RateLimitExceededError
from todo_service.application.rate_policy import RatePolicy
from todo_service.entrypoints.http.edge.recent_refusals import RecentRefusals

READS = RatePolicy("reads", per_minute=60, burst=5)
WRITES = RatePolicy("writes", per_minute=30, burst=2)


class SteppedClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_refused_token_is_refused_again_until_its_retry_after_then_let_through() -> None:
    clock = SteppedClock()
    refusals = RecentRefusals(clock=clock)
    refusals.remember("token-a", RateLimitExceededError(WRITES, 2.2))  # told: retry after 3 s

    clock.now += 1.0
    again = refusals.refusal("token-a", "POST")
    assert again is not None
    assert (again.policy, again.retry_after_seconds) == (WRITES, 2)
    clock.now += 1.999
    assert refusals.refusal("token-a", "DELETE") is not None
    clock.now += 0.001
    assert refusals.refusal("token-a", "PATCH") is None


def test_only_the_kind_and_the_token_that_were_refused() -> None:
    refusals = RecentRefusals(clock=SteppedClock())
    refusals.remember("token-a", RateLimitExceededError(WRITES, 10))

    assert refusals.refusal("token-a", "GET") is None
    assert refusals.refusal("token-a", "HEAD") is None
    assert refusals.refusal("token-a", "OPTIONS") is None
    assert refusals.refusal("token-b", "POST") is None
    refusal = refusals.refusal("token-a", "POST")
    assert refusal is not None
    assert refusal.policy == WRITES


def test_when_full_it_forgets_the_moments_that_passed_first() -> None:
    clock = SteppedClock()
    refusals = RecentRefusals(capacity=2, clock=clock)
    refusals.remember("short", RateLimitExceededError(READS, 1))
    refusals.remember("long", RateLimitExceededError(READS, 60))
    clock.now += 5

    refusals.remember("new", RateLimitExceededError(READS, 60))

    assert refusals.refusal("long", "GET") is not None
    assert refusals.refusal("new", "GET") is not None


def test_when_full_of_live_refusals_it_starts_over_rather_than_grow() -> None:
    refusals = RecentRefusals(capacity=2, clock=SteppedClock())
    for token in ("a", "b", "c"):
        refusals.remember(token, RateLimitExceededError(READS, 60))

    assert [refusals.refusal(token, "GET") is not None for token in "abc"] == [False, False, True]
