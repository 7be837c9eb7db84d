import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc

_RETURNED_AT = "todo_returned_at"


def ping_when_idle(engine: sa.Engine, idle_seconds: float) -> None:
    """Check a pooled connection's liveness only when it sat idle longer than `idle_seconds`.

    A connection returned to the pool moments ago is alive unless the database itself
    went away (an outage, answered with 503 anyway); one that sat idle may have been
    dropped by the server or a proxy (Neon closes idle connections after minutes).
    So the round trip SQLAlchemy's `pool_pre_ping` spends on every checkout is spent
    only after idleness. A failed ping raises DisconnectionError: the pool discards
    the connection and checks out a fresh one. 0 pings on every checkout.
    """
    dbapi_error: type[Exception] = engine.dialect.loaded_dbapi.Error

    @event.listens_for(engine, "checkin")
    def remember_return(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        # A connection never returned yet was opened just now.
        if returned_at is None or time.monotonic() - returned_at <= idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except dbapi_error as error:
            raise exc.DisconnectionError from error
        if not alive:
            raise exc.DisconnectionError
