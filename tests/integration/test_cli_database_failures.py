"""A wrong database URL: one line naming the database (password masked) and the driver's
reason, exit status 2 for a mistake that waiting will not fix, 75 for "unreachable now"."""

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.live_service import free_port
from todo_service.entrypoints.cli import EXIT_CONFIGURATION, EXIT_UNAVAILABLE, main

PASSWORD = "hunter2-never-printed"
COMMANDS = [["migrate"], ["users", "activate", "alice"], ["purge-idempotency-keys"]]


MISTAKES: dict[str, tuple[dict[str, Any], int, str]] = {
    "unknown database": (
        {"database": "no_such_database"},
        EXIT_CONFIGURATION,
        'cannot be used: FATAL: database "no_such_database" does not exist',
    ),
    "unknown role": (
        {"username": "no_such_role"},
        EXIT_CONFIGURATION,
        'cannot be used: FATAL: role "no_such_role" does not exist',
    ),
    "unknown host": (
        {"host": "no-such-host.invalid"},
        EXIT_CONFIGURATION,
        "cannot be used: failed to resolve host 'no-such-host.invalid'",
    ),
    "nothing listening": (
        {"port": "closed"},
        EXIT_UNAVAILABLE,
        "is unreachable now (Connection refused); try again later",
    ),
}


@pytest.mark.postgres
@pytest.mark.parametrize("command", COMMANDS, ids=lambda argv: argv[0])
@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_wrong_postgres_url_is_one_line_with_the_reason_and_the_right_status(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    postgres_url: str,
    command: list[str],
    mistake: str,
) -> None:
    parts, status, reason = MISTAKES[mistake]
    if parts.get("port") == "closed":
        parts = {**parts, "port": free_port()}
    url = sa.make_url(postgres_url).set(password=PASSWORD, **parts)
    url_text = url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url_text)
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT_SECONDS", "2")

    assert main(command) == status

    output = capsys.readouterr()
    assert output.out == ""
    assert output.err.count("\n") == 1, output.err
    assert PASSWORD not in output.err
    assert f"the database {url.render_as_string(hide_password=True)} " in output.err
    assert reason in output.err
    expected_prefix = "todo: configuration error: " if status == EXIT_CONFIGURATION else "todo: "
    assert output.err.startswith(expected_prefix)


def test_a_sqlite_file_whose_folder_cannot_exist_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{a_file}/todo.db")

    assert main(["migrate"]) == EXIT_CONFIGURATION

    assert capsys.readouterr().err == (
        "todo: configuration error: the SQLite database's folder cannot be created: "
        f"File exists: {a_file}\n"
    )
