import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from todo_service.application import ListTodosRequest
from todo_service.domain import NewTodo, UserId
from todo_service.entrypoints.bootstrap import (
    bootstrap,
    build_container,
    require_serving_configuration,
)
from todo_service.entrypoints.configuration import cursor_secret, jwt_config
from todo_service.entrypoints.settings import (
    ConfigurationError,
    Settings,
    derived_cursor_secret,
    one_line,
)

SECRET = "a-shared-secret-of-at-least-32-bytes"
JWKS_URL = "https://idp.example.com/.well-known/jwks.json"
ISSUER = "https://idp.example.com/"


def test_settings_come_from_the_environment_and_a_dotenv_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("JWT_SECRET=from-dotenv\nPORT=9000\n")
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("JWT_ALGORITHMS", "HS256, HS512")
    sut = Settings()
    assert sut.jwt_secret == SecretStr("from-dotenv")
    assert sut.port == 9001
    assert sut.jwt_algorithms == ("HS256", "HS512")


def test_secrets_never_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", SECRET)
    assert SECRET not in repr(Settings())


def test_the_cursor_secret_is_derived_from_the_jwt_secret_when_not_given() -> None:
    derived = derived_cursor_secret(Settings(jwt_secret=SECRET))
    assert derived is not None
    assert len(derived) == 32
    assert SECRET.encode() not in derived
    assert derived == derived_cursor_secret(Settings(jwt_secret=SECRET))
    assert derived != derived_cursor_secret(Settings(jwt_secret=SECRET + "!"))


def test_an_explicit_cursor_secret_wins_over_the_derived_one() -> None:
    settings = Settings(jwt_secret=SECRET, cursor_secret="c" * 32)
    assert derived_cursor_secret(settings) == b"c" * 32


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "CURSOR_SECRET"),
        ({"cursor_secret": "short"}, "at least 32 bytes"),
    ],
)
def test_serving_refuses_without_a_usable_cursor_secret(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        cursor_secret(Settings(**values))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "JWT_SECRET or JWT_JWKS_URL"),
        ({"jwt_secret": SECRET, "jwt_jwks_url": "https://idp.example.com/jwks"}, "exactly one"),
        ({"jwt_secret": "short"}, "at least 32 bytes"),
        ({"jwt_secret": SECRET, "jwt_algorithms": "RS256"}, "JWT_SECRET works only with HS"),
        ({"jwt_secret": SECRET, "jwt_algorithms": "none"}, "none"),
        ({"database_url": "mysql://db/todo", "jwt_secret": SECRET}, "scheme 'mysql'"),
        ({"database_url": "no-scheme-at-all", "jwt_secret": SECRET}, "must look like"),
        ({"jwt_jwks_url": JWKS_URL, "jwt_audience": "todo-api"}, "needs JWT_ISSUER"),
        ({"jwt_jwks_url": JWKS_URL, "jwt_issuer": ISSUER}, "needs JWT_AUDIENCE"),
        (
            {
                "jwt_jwks_url": JWKS_URL,
                "jwt_issuer": ISSUER,
                "jwt_audience": "todo-api",
                "jwt_jwks_cache_seconds": "10",
                "jwt_jwks_refetch_cooldown_seconds": "30",
            },
            r"JWT_JWKS_CACHE_SECONDS \(10\) must be at least JWT_JWKS_REFETCH_COOLDOWN_SECONDS",
        ),
        ({"jwt_secret": SECRET, "jwt_email_claim": "a..b"}, "JWT_EMAIL_CLAIM must be"),
        ({"jwt_secret": SECRET, "jwt_name_claim": "[https://x.example/name"}, "JWT_NAME_CLAIM"),
        ({"jwt_secret": SECRET, "jwt_client_id": "a\tb"}, "JWT_CLIENT_ID values must be"),
    ],
)
def test_bad_configuration_stops_start_up_with_one_clear_line(
    values: dict[str, str], message: str
) -> None:
    settings = Settings(**{"database_url": "memory://", "cursor_secret": "c" * 32, **values})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=message) as caught:
        require_serving_configuration(build_container(settings))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "values",
    [
        {"jwt_jwks_cache_seconds": "0"},
        {"jwt_jwks_cache_seconds": "86401"},
        {"jwt_jwks_refetch_cooldown_seconds": "-1"},
        {"jwt_jwks_refetch_cooldown_seconds": "3601"},
        {"jwt_jwks_timeout_seconds": "0"},
        {"jwt_jwks_timeout_seconds": "61"},
    ],
)
def test_the_key_set_settings_are_bounded(values: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="jwt_jwks"):
        Settings(**values)  # type: ignore[arg-type]


def test_the_provider_settings_are_read_as_lists_and_claim_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JWT_AUTHORIZED_PARTIES", "https://app.example.com, http://localhost:5173")
    monkeypatch.setenv("JWT_REQUIRED_SCOPES", "todos:read todos:write,profile")
    monkeypatch.setenv("JWT_EMAIL_CLAIM", "[https://example.com/email]")
    config = jwt_config(Settings(jwt_secret=SECRET))
    rules = config.claim_rules
    assert rules.authorized_parties == ("https://app.example.com", "http://localhost:5173")
    assert rules.required_scopes == ("todos:read", "todos:write", "profile")
    assert rules.email_claim.names == ("https://example.com/email",)


def test_accepting_any_issuer_and_audience_is_an_explicit_choice_warned_at_start_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(jwt_jwks_url=JWKS_URL, jwt_insecure_accept_any_issuer_and_audience=True)
    with caplog.at_level(logging.WARNING, logger="todo.auth"):
        config = jwt_config(settings)
    assert config.issuer is None
    assert config.audience is None
    assert [record.getMessage() for record in caplog.records] == [
        "JWT_INSECURE_ACCEPT_ANY_ISSUER_AND_AUDIENCE=true: tokens the identity provider "
        "issued for any application are accepted"
    ]


@pytest.mark.parametrize(
    "url",
    ["mysql://user:hunter2@db/todo", "postgresql://user:hunter2@db:notaport/todo"],
)
def test_a_database_url_with_a_password_is_never_echoed(url: str) -> None:
    settings = Settings(database_url=url)
    with pytest.raises(ConfigurationError) as caught:
        build_container(settings)
    assert "hunter2" not in str(caught.value)


def test_in_process_bootstrap_needs_no_secrets() -> None:
    service = bootstrap(database_url="memory://")
    todo = service.create_todo(UserId("alice"), NewTodo(title="a"))
    assert service.list_todos(UserId("alice"), ListTodosRequest()).items == (todo,)


def test_bootstrap_reads_nothing_from_the_host_environment_or_dot_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A host whose own settings would be invalid for `todo serve`, and whose .env names
    # another database: none of it is the service's business in-process.
    host_database = tmp_path / "host.db"
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{host_database}\nPORT=0\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    monkeypatch.setenv("WORKERS", "auto")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "-1")
    monkeypatch.setenv("IDEMPOTENCY_TTL_SECONDS", "nonsense")

    service = bootstrap(database_url="memory://")

    service.create_todo(UserId("alice"), NewTodo(title="a"))
    assert not host_database.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"database_pool_size": 0},
            "database_pool_size: Input should be greater than or equal to 1",
        ),
        ({"workers": 2}, "workers: Extra inputs are not permitted"),
        ({"cursor_secret": "short"}, "CURSOR_SECRET must be at least 32 bytes long"),
    ],
)
def test_bootstrap_refuses_a_bad_argument_in_one_line(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        bootstrap("memory://", **arguments)
    assert str(caught.value) == message


def test_idempotency_keys_live_a_day_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).idempotency_ttl_seconds == 86400
    monkeypatch.setenv("IDEMPOTENCY_TTL_SECONDS", "600")
    assert Settings(_env_file=None).idempotency_ttl_seconds == 600


def test_a_redis_url_of_another_scheme_stops_start_up_without_its_password() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(rate_limit_redis_url="http://user:hunter2@cache:6379/0")
    line = one_line(caught.value)
    assert line.startswith("RATE_LIMIT_REDIS_URL: ")
    assert "redis://" in line
    assert "hunter2" not in line


def test_a_redis_url_that_cannot_be_parsed_stops_start_up_without_its_password() -> None:
    settings = Settings(
        database_url="memory://",
        jwt_secret=SECRET,
        rate_limit_redis_url="redis://user:hunter2@cache:notaport/0",
    )
    with pytest.raises(ConfigurationError) as caught:
        require_serving_configuration(build_container(settings))
    assert str(caught.value) == "RATE_LIMIT_REDIS_URL could not be parsed"
