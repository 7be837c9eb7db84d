from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from todo_service.adapters.sql.engine import build_engine
from todo_service.adapters.sql.errors import storage_errors

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate_to_head(url: str) -> None:
    """Bring the database's schema up to the latest revision (over a direct, unpooled URL)."""
    migrate_to(url, "head")


def migrate_to(url: str, revision: str) -> None:
    """Bring the database's schema up to `revision` (a revision id, or `head`)."""
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade_to_base(url: str) -> None:
    """Undo every revision: the database is left without this service's tables."""
    downgrade_to(url, "base")


def downgrade_to(url: str, revision: str) -> None:
    """Undo the revisions after `revision` (a revision id, or `base` for all of them)."""
    _run(url, lambda config: command.downgrade(config, revision))


def schema_is_current(url: str) -> bool:
    """Whether the database is at the latest revision, for a readiness check."""
    engine = build_engine(url)
    try:
        with storage_errors(), engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
        return set(current) == set(ScriptDirectory.from_config(_config()).get_heads())
    finally:
        engine.dispose()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _run(url: str, step: Callable[[Config], None]) -> None:
    engine = build_engine(url)
    try:
        with storage_errors(), engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # The engine's connections are in autocommit (build_engine); a migration
                # is all or nothing, in one transaction.
                connection.execution_options(isolation_level="READ COMMITTED")
            config = _config()
            config.attributes["connection"] = connection
            step(config)
            connection.commit()
    finally:
        engine.dispose()
