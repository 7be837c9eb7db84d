import logging

import pytest

from todo_service.entrypoints.http.serving.server import DESCRIPTOR_RESERVE, connection_limits
from todo_service.entrypoints.settings import ConfigurationError, Settings


def test_max_connections_and_the_head_timeout_are_kept_when_descriptors_leave_room() -> None:
    settings = Settings(max_connections=300, request_head_timeout_seconds=7)
    sut = connection_limits(settings, descriptors=10_000)
    assert (sut.max_connections, sut.request_head_timeout_seconds) == (300, 7)


def test_without_a_descriptor_limit_max_connections_is_kept() -> None:
    assert connection_limits(Settings(max_connections=300), descriptors=None).max_connections == 300


def test_max_connections_is_lowered_to_what_the_descriptor_limit_leaves_room_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(max_connections=800, database_pool_size=10, database_max_overflow=6)
    with caplog.at_level(logging.WARNING):
        sut = connection_limits(settings, descriptors=300)
    assert sut.max_connections == 300 - DESCRIPTOR_RESERVE - 16
    assert "MAX_CONNECTIONS lowered from 800" in caplog.text


def test_a_descriptor_limit_that_leaves_no_room_for_connections_stops_start_up() -> None:
    with pytest.raises(ConfigurationError, match="ulimit -n"):
        connection_limits(Settings(database_pool_size=10), descriptors=DESCRIPTOR_RESERVE + 10)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KEEP_ALIVE_TIMEOUT_SECONDS", "0"),
        ("KEEP_ALIVE_TIMEOUT_SECONDS", "301"),
        ("REQUEST_HEAD_TIMEOUT_SECONDS", "0"),
        ("REQUEST_HEAD_TIMEOUT_SECONDS", "inf"),
        ("MAX_CONNECTIONS", "0"),
        ("MAX_CONNECTIONS", "100001"),
    ],
)
def test_connection_settings_out_of_bounds_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name.lower()):
        Settings()
