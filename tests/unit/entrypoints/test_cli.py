import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from todo_service.application import VerifiedClaims
from todo_service.domain import NewTodo, UserDeactivatedError, UserId
from todo_service.entrypoints.bootstrap import build_service
from todo_service.entrypoints.cli import main
from todo_service.entrypoints.settings import Settings

SECRET = "a-shared-secret-of-at-least-32-bytes"
ROOT = Path(__file__).parents[3]


def test_mint_token_prints_an_hs256_token_for_the_subject_and_claims(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("JWT_ISSUER", "https://auth.example.com")
    argv = ["mint-token", "--sub", "alice", "--email", "a@example.com", "--ttl", "60"]
    assert main(argv) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], issuer="https://auth.example.com")
    assert (claims["sub"], claims["email"], claims["exp"] - claims["iat"]) == (
        "alice",
        "a@example.com",
        60,
    )


@pytest.mark.parametrize(
    ("environment", "argv", "message"),
    [
        ({}, ["mint-token", "--sub", "alice"], "configuration error: mint-token signs with"),
        ({"PORT": "eighty"}, ["serve"], "configuration error: PORT: Input should be"),
        (
            {"JWT_SECRET": SECRET, "DATABASE_URL": "mysql://u:pw@db/todo"},
            ["serve"],
            "scheme 'mysql' is not supported",
        ),
        ({"DATABASE_URL": "memory://"}, ["serve"], "Set exactly one of JWT_SECRET"),
    ],
)
def test_bad_configuration_is_one_line_on_stderr_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    argv: list[str],
    message: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    output = capsys.readouterr()
    assert output.out == ""
    assert output.err.startswith("todo: ")
    assert message in output.err
    assert output.err.count("\n") == 1


def test_migrating_the_memory_database_is_a_no_op(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_deactivating_an_unknown_user_says_so_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    assert main(["users", "deactivate", "nobody"]) == 1
    assert capsys.readouterr().err == "todo: no user 'nobody' has been seen yet\n"


def test_the_cli_runs_as_a_module_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "todo_service", "serve"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "DATABASE_URL": "memory://"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "todo: configuration error: Set exactly one of JWT_SECRET or JWT_JWKS_URL\n"
    )


def test_a_sqlite_database_is_migrated_then_users_are_managed_and_keys_purged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./todo.db")
    assert main(["migrate"]) == 0
    # The file a relative URL names, said in full: it is relative to the working folder.
    assert (
        capsys.readouterr().out
        == f"The schema of sqlite:///{tmp_path / 'todo.db'} is up to date.\n"
    )
    settings = Settings(_env_file=None)
    build_service(settings).create_todo(UserId("alice"), NewTodo(title="a"), idempotency_key="k")

    assert main(["users", "deactivate", "alice"]) == 0
    assert capsys.readouterr().out == "alice: deactivated\n"
    with pytest.raises(UserDeactivatedError):
        build_service(settings).current_user(VerifiedClaims("alice"))

    assert main(["purge-idempotency-keys"]) == 0
    assert capsys.readouterr().out == "Purged 0 expired idempotency keys.\n"


@pytest.mark.parametrize(
    ("command", "settings"),
    [
        (["serve"], ["DATABASE_URL", "JWT_SECRET", "HOST", "PORT", "WORKERS", "LOG_LEVEL"]),
        (["migrate"], ["DATABASE_URL"]),
        (["mint-token"], ["JWT_SECRET", "JWT_ISSUER", "JWT_AUDIENCE"]),
        (["users"], ["DATABASE_URL"]),
        (["purge-idempotency-keys"], ["DATABASE_URL", "IDEMPOTENCY_TTL_SECONDS"]),
    ],
)
def test_every_commands_help_lists_the_settings_it_reads_with_their_defaults(
    capsys: pytest.CaptureFixture[str], command: list[str], settings: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    listed = {
        line.split()[0]: line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("  ") and line.split()[0].isupper()
    }
    for name in settings:
        field = Settings.model_fields[name.lower()]
        shown = "none" if field.default in (None, ()) else field.default
        assert listed[name].endswith(f"[default: {shown}]")


def test_mint_token_states_its_ttl_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["mint-token", "--help"])
    assert "seconds until it expires (default: 3600)" in capsys.readouterr().out


def test_mint_token_refuses_a_short_secret_like_every_other_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JWT_SECRET", "too-short")
    assert main(["mint-token", "--sub", "alice"]) == 2
    assert capsys.readouterr().err == (
        "todo: configuration error: JWT_SECRET must be at least 32 bytes long\n"
    )
