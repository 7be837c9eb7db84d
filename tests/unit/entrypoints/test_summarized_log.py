import logging

import pytest

from todo_service.entrypoints.summarized_log import SummarizedLog


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def summarized(clock: Clock) -> SummarizedLog:
    logger = logging.getLogger("test.summarized")
    return SummarizedLog(logger, logging.WARNING, "%d happened", interval_seconds=10, clock=clock)


def test_a_flood_costs_one_line_per_interval_and_no_occurrence_goes_uncounted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    sut = summarized(clock)
    with caplog.at_level(logging.WARNING, logger="test.summarized"):
        for tick in range(3000):
            clock.now = tick / 100  # 100 a second for 30 s
            sut.occurred()
    assert [record.getMessage() for record in caplog.records] == [
        "1 happened",
        "1000 happened",
        "1000 happened",
    ]


def test_an_occurrence_after_a_quiet_interval_is_written_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    sut = summarized(clock)
    with caplog.at_level(logging.WARNING, logger="test.summarized"):
        sut.occurred()
        clock.now = 60
        sut.occurred()
    assert [record.getMessage() for record in caplog.records] == ["1 happened", "1 happened"]
