"""A database of a system test's own, migrated by `todo migrate`, dropped afterwards."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import create_database, drop_database, postgres_sqlalchemy_url
from tests.system.service import run_todo, service_environment


@dataclass(frozen=True, slots=True)
class Database:
    url: str
    name: str
    folder: Path

    def environment(self, url: str | None = None, **extra: str) -> dict[str, str]:
        return service_environment(url or self.url, **extra)


def _migrated(url: str, name: str, folder: Path) -> Database:
    database = Database(url, name, folder)
    run_todo("migrate", database.environment(), folder)
    return database


@contextmanager
def migrated_database(folder: Path, admin: str | None) -> Iterator[Database]:
    """SQLite in `folder`, or a new PostgreSQL database (`admin` connects to the server)."""
    if admin is None:
        yield _migrated(f"sqlite:///{folder / 'todo.db'}", "todo.db", folder)
        return
    name = create_database(admin, prefix="todo_system")
    try:
        yield _migrated(postgres_sqlalchemy_url(name), name, folder)
    finally:
        drop_database(admin, name)
