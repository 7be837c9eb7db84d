"""A read bounded by PostgreSQL's `statement_timeout` in one round trip.

The bound must be set before the statement starts: PostgreSQL arms a statement's timer
as it begins, with the setting of that moment. `SET LOCAL` then lives as long as the
transaction, so that it reaches no other client behind PgBouncer in transaction mode. As
separate statements that is BEGIN, SET LOCAL, the read and COMMIT: four round trips.

In psycopg's pipeline mode the setting and the read go out together and end with one
Sync: the two run in one implicit transaction, the read under the bound, which ends
with it. One round trip; on a timeout PostgreSQL stops the read (57014), and the
connection is idle again, its setting back to what it was. SQLAlchemy cannot send a
pipeline, so the statement it built is compiled once, and its parameters and columns
converted by its own types' processors, as SQLAlchemy would convert them. What the
driver raises is raised as SQLAlchemy would raise it (a lost connection is
invalidated), so that `storage_errors` reads it as it reads any other.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from psycopg.rows import dict_row
from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import await_only

Row = dict[str, Any]
_Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as the driver takes it, and how its values cross over."""

    compiled: SQLCompiler
    binds: Mapping[str, _Processor]
    columns: Mapping[str, _Processor]

    @property
    def sql(self) -> str:
        return self.compiled.string

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        # Each of the statement's parameters, a missing one refused as SQLAlchemy refuses it.
        values = dict(self.compiled.construct_params(given))
        for name, process in self.binds.items():
            values[name] = process(values[name])
        return values

    def row(self, row: Row) -> Row:
        for name, process in self.columns.items():
            row[name] = process(row[name])
        return row


@lru_cache(maxsize=256)  # statements are built once per shape of listing (listing.py)
def _compiled(statement: Select[Any], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError("a bounded read is a SELECT")
    binds = {
        str(name): process
        for name, bind in compiled.binds.items()
        if (process := bind.type.bind_processor(dialect)) is not None
    }
    columns = {
        str(column.key): process
        for column in statement.selected_columns
        if (process := column.type.result_processor(dialect, None)) is not None
    }
    return _Compiled(compiled, binds, columns)


def read_bounded(
    connection: sa.Connection,
    statement: Select[Any],
    parameters: Mapping[str, Any],
    timeout_ms: int,
) -> Sequence[Row]:
    """The rows of `statement`, stopped past `timeout_ms`, on a connection in autocommit
    outside a transaction (PostgreSQL, psycopg)."""
    dialect = connection.dialect
    compiled = _compiled(statement, dialect)
    values = compiled.parameters(parameters)
    bound = str(int(timeout_ms))
    driver = connection.connection.driver_connection
    try:
        if isinstance(driver, psycopg.AsyncConnection):
            rows = await_only(_pipelined_async(driver, bound, compiled.sql, values))
        elif isinstance(driver, psycopg.Connection):
            rows = _pipelined(driver, bound, compiled.sql, values)
        else:
            raise TypeError(f"a bounded read needs psycopg, not {type(driver).__name__}")
    except psycopg.Error as error:
        raise _as_sqlalchemy_error(connection, error) from error
    return [compiled.row(row) for row in rows]


# `set_config(..., true)`: local to the transaction, as SET LOCAL is.
_BOUND = "SELECT set_config('statement_timeout', %s, true)"


def _pipelined(driver: psycopg.Connection[Any], bound: str, sql: str, values: Row) -> list[Row]:
    with driver.cursor(row_factory=dict_row) as cursor:
        with driver.pipeline():
            driver.execute(_BOUND, [bound])
            cursor.execute(sql, values)
            # Leaving the pipeline sends the Sync and reads every result.
        return cursor.fetchall()


async def _pipelined_async(
    driver: psycopg.AsyncConnection[Any], bound: str, sql: str, values: Row
) -> list[Row]:
    async with driver.cursor(row_factory=dict_row) as cursor:
        async with driver.pipeline():
            await driver.execute(_BOUND, [bound])
            await cursor.execute(sql, values)
        return await cursor.fetchall()


def _as_sqlalchemy_error(connection: sa.Connection, error: psycopg.Error) -> exc.StatementError:
    dialect = connection.dialect
    lost = dialect.is_disconnect(cast(Any, error), connection.connection.dbapi_connection, None)
    if lost:
        # As SQLAlchemy does with a lost connection: the pool discards it.
        connection.invalidate(error)
    return exc.DBAPIError.instance(
        None,
        None,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=lost,
        dialect=dialect,
    )
