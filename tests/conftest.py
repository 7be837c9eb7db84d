"""Session-wide fixtures: a throwaway PostgreSQL database per test run (per xdist worker).

The closing summary is written here for the whole suite: in a parallel run this is the
one conftest the controller loads, and the workers' reports arrive there.
"""

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
import redis
from hypothesis import settings
from psycopg import sql

from tests.clients.toolchains import CLIENT_TOOLS_MISSING
from tests.providers.providers import PROVIDER_TOOLS_MISSING
from tests.support.figures import write_figures
from tests.support.haproxy import HAPROXY_MISSING
from tests.support.unavailable import CHROMIUM_MISSING, note_skips, unavailable
from tests.support.xdist_groups import register as register_xdist_groups

pytest_plugins = ["tests.sql_fixtures"]

# Properties, not speed: in a parallel run on two cores an example may wait for the CPU,
# and Hypothesis' default 200 ms deadline would call that a failure.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

POSTGRES_HOST = os.environ.get("TODO_TEST_POSTGRES_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("TODO_TEST_POSTGRES_PORT", "5432"))
POSTGRES_USER = os.environ.get("TODO_TEST_POSTGRES_USER", "postgres")
SKIP_REASON = f"PostgreSQL is not answering at {POSTGRES_HOST}:{POSTGRES_PORT}"
REDIS_URL = os.environ.get("TODO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_SKIP_REASON = f"Redis is not answering at {REDIS_URL}"


def postgres_conninfo(dbname: str) -> str:
    return f"host={POSTGRES_HOST} port={POSTGRES_PORT} user={POSTGRES_USER} dbname={dbname}"


def postgres_sqlalchemy_url(dbname: str) -> str:
    return f"postgresql+psycopg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{dbname}"


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    """Connection info for the server's maintenance database, or a skip (a failure in CI)."""
    conninfo = postgres_conninfo("postgres")
    try:
        psycopg.connect(conninfo, connect_timeout=3).close()
    except psycopg.OperationalError:
        unavailable(SKIP_REASON, required_by="TODO_REQUIRE_POSTGRES")
    return conninfo


def create_database(admin_conninfo: str, prefix: str = "todo_test") -> str:
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(admin_conninfo: str, name: str) -> None:
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgres_database(postgres_admin: str) -> Iterator[str]:
    """The name of an empty database of this test run's own, dropped afterwards."""
    name = create_database(postgres_admin)
    yield name
    drop_database(postgres_admin, name)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared Redis server's URL, or a skip (a failure in CI: TODO_REQUIRE_REDIS=1)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        unavailable(REDIS_SKIP_REASON, required_by="TODO_REQUIRE_REDIS")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test run's own; its keys are deleted afterwards, nothing else."""
    prefix = f"todo_test:{os.getpid()}:{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def pytest_configure(config: pytest.Config) -> None:
    register_xdist_groups(config)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    write_figures(terminalreporter)
    note_skips(terminalreporter, CHROMIUM_MISSING, "the browser tests were")
    note_skips(terminalreporter, SKIP_REASON, "the PostgreSQL tests were")
    note_skips(terminalreporter, REDIS_SKIP_REASON, "the Redis tests were")
    note_skips(terminalreporter, CLIENT_TOOLS_MISSING, "the generated-client tests were")
    note_skips(terminalreporter, PROVIDER_TOOLS_MISSING, "the identity-provider tests were")
    note_skips(terminalreporter, HAPROXY_MISSING, "the load-balancer tests were")
