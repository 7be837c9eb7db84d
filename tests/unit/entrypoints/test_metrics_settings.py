"""METRICS_PORT: off unless set, never the API's port, and a clear line when it cannot be used."""

import socket

import pytest
from pydantic import ValidationError

from todo_service.entrypoints.http.metrics import (
    MULTIPROCESS_FOLDER,
    serving_metrics,
    worker_metrics,
)
from todo_service.entrypoints.settings import ConfigurationError, Settings, one_line


def test_metrics_are_off_unless_a_port_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().metrics_port is None
    monkeypatch.setenv("METRICS_PORT", "")
    assert Settings().metrics_port is None
    assert serving_metrics(Settings()) is None
    assert worker_metrics(Settings()) is None
    monkeypatch.setenv("METRICS_PORT", "9100")
    assert (Settings().metrics_host, Settings().metrics_port) == ("127.0.0.1", 9100)


@pytest.mark.parametrize(
    ("port", "message"),
    [
        ("8000", "METRICS_PORT: Value error, must differ from PORT"),
        ("0", "METRICS_PORT: Input should be greater than or equal to 1"),
        ("65536", "METRICS_PORT: Input should be less than or equal to 65535"),
    ],
)
def test_a_metrics_port_that_cannot_be_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, port: str, message: str
) -> None:
    monkeypatch.setenv("METRICS_PORT", port)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert one_line(refused.value).startswith(message)


def test_a_metrics_port_in_use_stops_start_up_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROCESS_FOLDER, raising=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigurationError) as refused:
            serving_metrics(Settings(metrics_port=port))
    assert str(refused.value) == (
        f"METRICS_PORT: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_a_worker_outside_todo_serve_is_told_who_serves_its_metrics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROCESS_FOLDER, raising=False)
    with pytest.raises(ConfigurationError, match=MULTIPROCESS_FOLDER):
        worker_metrics(Settings(metrics_port=9100))
