"""Databases of the system tests' own: copies of one schema that `todo migrate` built."""

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from tests.conftest import (
    POSTGRES_PORT,
    create_database,
    drop_database,
    postgres_sqlalchemy_url,
)
from tests.support.live_service import run_todo, service_environment


@dataclass(frozen=True, slots=True)
class Database:
    url: str
    name: str

    def environment(self, url: str | None = None, **extra: str) -> dict[str, str]:
        return service_environment(url or self.url, **extra)


def postgres_url_through(database: Database, port: int) -> str:
    """The database's URL with another port on the same host: a proxy in front of the server."""
    return postgres_sqlalchemy_url(database.name).replace(f":{POSTGRES_PORT}/", f":{port}/")


class SqliteDatabases:
    """Copies of a SQLite file migrated once."""

    def __init__(self, folder: Path) -> None:
        self._template = folder / "template.db"
        run_todo(["migrate"], service_environment(f"sqlite:///{self._template}"), folder)

    @contextmanager
    def fresh(self, folder: Path) -> Iterator[Database]:
        path = folder / "todo.db"
        shutil.copy(self._template, path)
        yield Database(f"sqlite:///{path}", path.name)


class PostgresDatabases:
    """Copies (CREATE DATABASE ... TEMPLATE) of a PostgreSQL database migrated once."""

    def __init__(self, admin: str, folder: Path) -> None:
        self._admin = admin
        self._template = create_database(admin, prefix="todo_system_template")
        run_todo(["migrate"], service_environment(postgres_sqlalchemy_url(self._template)), folder)

    @contextmanager
    def fresh(self, folder: Path) -> Iterator[Database]:
        del folder  # the server keeps the files
        name = f"todo_system_{secrets.token_hex(6)}"
        with psycopg.connect(self._admin, autocommit=True) as admin:
            create = sql.SQL("CREATE DATABASE {} TEMPLATE {}")
            admin.execute(create.format(sql.Identifier(name), sql.Identifier(self._template)))
        try:
            yield Database(postgres_sqlalchemy_url(name), name)
        finally:
            drop_database(self._admin, name)

    def close(self) -> None:
        drop_database(self._admin, self._template)
