import logging
from collections.abc import Iterable

import pytest

from todo_service.entrypoints.summarized_log import SummarizedLog


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lines_written(caplog: pytest.LogCaptureFixture, moments: Iterable[float]) -> list[str]:
    """The lines a SummarizedLog (a line per 10 s) writes for occurrences at `moments`."""
    clock = Clock()
    logger = logging.getLogger("test.summarized")
    sut = SummarizedLog(logger, logging.WARNING, "%d happened", interval_seconds=10, clock=clock)
    with caplog.at_level(logging.WARNING, logger="test.summarized"):
        for moment in moments:
            clock.now = moment
            sut.occurred()
    return [record.getMessage() for record in caplog.records]


def test_a_flood_costs_one_line_per_interval_each_counting_what_it_stands_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hundred_a_second_for_30_s = [tick / 100 for tick in range(3000)]
    assert lines_written(caplog, hundred_a_second_for_30_s) == [
        "1 happened",
        "1000 happened",
        "1000 happened",
    ]


def test_an_occurrence_after_a_quiet_interval_is_written_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert lines_written(caplog, [0, 60]) == ["1 happened", "1 happened"]
