import pytest

from tests.factories import SteppedSeconds
from todo_service.adapters.memory import rate_limiter
from todo_service.adapters.memory.rate_limiter import InProcessRateLimiter
from todo_service.application import RatePolicy

TEN_A_MINUTE = RatePolicy("writes", per_minute=10, burst=2)


def test_the_wait_is_exact_and_the_allowance_refills_one_interval_at_a_time() -> None:
    clock = SteppedSeconds()
    sut = InProcessRateLimiter(now=clock)
    assert [sut.admit(TEN_A_MINUTE, "alice") for _ in range(2)] == [0, 0]
    assert sut.admit(TEN_A_MINUTE, "alice") == pytest.approx(6.0)

    clock.now = 4.0
    assert sut.admit(TEN_A_MINUTE, "alice") == pytest.approx(2.0)
    clock.now = 6.0
    assert sut.admit(TEN_A_MINUTE, "alice") == 0
    assert sut.admit(TEN_A_MINUTE, "alice") == pytest.approx(6.0)


def test_a_long_pause_refills_no_more_than_the_burst() -> None:
    clock = SteppedSeconds()
    sut = InProcessRateLimiter(now=clock)
    sut.admit(TEN_A_MINUTE, "alice")
    clock.now = 3600.0
    assert [sut.admit(TEN_A_MINUTE, "alice") for _ in range(3)][2] > 0


def test_when_full_it_forgets_the_users_whose_allowance_is_whole_again_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rate_limiter, "MAX_SUBJECTS", 3)
    clock = SteppedSeconds()
    sut = InProcessRateLimiter(now=clock)
    one_at_once = RatePolicy("writes", per_minute=1, burst=1)
    sut.admit(TEN_A_MINUTE, "rested")  # whole again 6 s later
    sut.admit(one_at_once, "owing")  # owes a minute
    sut.admit(one_at_once, "owing too")
    clock.now = 10.0

    assert sut.admit(one_at_once, "newcomer") == 0

    assert sut.admit(one_at_once, "owing") > 0
    assert sut.admit(one_at_once, "owing too") > 0
    assert sut.admit(one_at_once, "newcomer") > 0
