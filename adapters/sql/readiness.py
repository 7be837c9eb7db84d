from datetime import UTC, datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from todo_service.adapters.sql.diagnosis import DatabaseProblem, diagnose
from todo_service.adapters.sql.tables import readiness_probe_table

_ROW = 1


def probe(engine: sa.Engine, url: str) -> DatabaseProblem | None:
    """None when the database takes a write now, else why not; never raises.

    A read (`SELECT 1`) passes on a database that refuses writes: a read-only one, a
    standby. So the probe writes, as cheaply as a write gets: it rewrites the one row of
    `readiness_probe` (creating it if someone emptied the table), never users' data,
    and the table never grows. On PostgreSQL the engine is in autocommit, so this is
    one statement in its own transaction, committed (WAL flushed) by the server in one
    round trip, with no session state: PgBouncer in transaction mode serves it. On
    SQLite it is BEGIN IMMEDIATE, the write, COMMIT. It proves that a write commits,
    not that there is room for every write to come: on a nearly full disk one row
    rewritten in place may still fit where a new page would not.
    """
    try:
        with engine.begin() as connection:
            connection.execute(_rewrite_the_row(engine.dialect.name), {"now": datetime.now(UTC)})
    except Exception as error:  # a probe answers; it never raises
        return diagnose(error, url)
    return None


@cache
def _rewrite_the_row(dialect_name: str) -> sa.Executable:
    insert = sqlite.insert if dialect_name == "sqlite" else postgresql.insert
    probe = readiness_probe_table.c
    now = sa.bindparam("now", type_=probe.checked_at.type)
    rewrite = insert(readiness_probe_table).values(id=_ROW, checked_at=now)
    return rewrite.on_conflict_do_update(
        index_elements=[probe.id], set_={"checked_at": rewrite.excluded.checked_at}
    )
