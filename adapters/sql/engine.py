from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from todo_service.adapters.sql.liveness import ping_when_idle
from todo_service.adapters.sql.urls import normalize_database_url


@dataclass(frozen=True, slots=True)
class SqlEngineOptions:
    """Connection pool and driver settings; the defaults suit Neon and a local server.

    `prepare_threshold=None` turns psycopg's server-side prepared statements off,
    which PgBouncer in transaction mode (Neon's pooled endpoint) requires.
    A PostgreSQL connection idle in the pool for longer than `ping_idle_seconds` is
    pinged before use (see `ping_when_idle`); 0 pings on every checkout.
    An overflow connection is closed as soon as it is returned to a full pool, so a
    steady load above `pool_size` would open a connection per request: size
    `pool_size` for the steady concurrency and keep `max_overflow` for rare bursts.
    """

    pool_size: int = 10
    max_overflow: int = 0
    pool_timeout_seconds: float = 5
    connect_timeout_seconds: int = 5
    pool_recycle_seconds: int = 300
    prepare_threshold: int | None = 5
    sqlite_busy_timeout_ms: int = 5000
    ping_idle_seconds: float = 2
    # How long a listing may run on PostgreSQL before it is stopped (None: unbounded).
    search_timeout_ms: int | None = 2000


def build_engine(
    url: str, options: SqlEngineOptions = SqlEngineOptions(), *, cooperative: bool = False
) -> sa.Engine:
    """An engine for DATABASE_URL: an embedded SQLite file or PostgreSQL through psycopg 3.

    A `cooperative` PostgreSQL engine speaks through psycopg's asyncio driver behind
    the same synchronous API: SQLAlchemy's asyncio bridge runs the caller in a
    greenlet that yields to the event loop while the database answers. Every use
    of it must then run inside `sqlalchemy.util.greenlet_spawn` on that loop (see
    `is_cooperative`). SQLite has no such driver here: its engine always blocks.
    """
    parsed = make_url(normalize_database_url(url))
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, options)
    create = _cooperative_engine if cooperative else sa.create_engine
    engine = create(
        parsed,
        # Transactions are begun by the unit of work, only when it writes or locks
        # (SqlSession): a read needs no BEGIN and no ROLLBACK round trip, and a
        # connection never switches modes on its way in and out of the pool.
        isolation_level="AUTOCOMMIT",
        hide_parameters=True,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        pool_timeout=options.pool_timeout_seconds,
        pool_recycle=options.pool_recycle_seconds,
        connect_args={
            "connect_timeout": options.connect_timeout_seconds,
            "prepare_threshold": options.prepare_threshold,
        },
    )
    ping_when_idle(engine, options.ping_idle_seconds)
    return engine


def _cooperative_engine(url: sa.URL, **options: Any) -> sa.Engine:
    return create_async_engine(url, **options).sync_engine


def is_cooperative(engine: sa.Engine) -> bool:
    """Whether the engine waits on an event loop (a greenlet) rather than blocking its thread."""
    return bool(engine.dialect.is_async)


def _sqlite_engine(url: sa.URL, options: SqlEngineOptions) -> sa.Engine:
    in_memory = url.database in (None, "", ":memory:")
    if not in_memory:
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    pool: dict[str, Any] = (
        {}
        if in_memory
        else {
            "pool_size": options.pool_size,
            "max_overflow": options.max_overflow,
            "pool_timeout": options.pool_timeout_seconds,
        }
    )
    engine = sa.create_engine(url, hide_parameters=True, **pool)
    busy_timeout_ms = int(options.sqlite_busy_timeout_ms)

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy, not pysqlite, decides when transactions begin (see `begin` below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin_immediately(connection: sa.Connection) -> None:
        # Take the write lock up front: a deferred transaction that reads and then
        # writes cannot wait for a concurrent writer and fails with "database is
        # locked" instead; an immediate one queues behind it (busy_timeout).
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
