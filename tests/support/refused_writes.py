"""Databases that answer reads but refuse writes, for real: no fake error is raised.

PostgreSQL: `default_transaction_read_only` set on the database, as a standby or a
read-only replica refuses writes. SQLite: its file made unwritable, as a read-only
mount would; root ignores permissions, so as root the file is made immutable
(`chattr +i`, which root is refused too). Either takes effect on new connections:
whoever holds an engine on it disposes of its pool after each switch.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import psycopg
import pytest
from psycopg import sql

from tests.conftest import create_database, drop_database, postgres_sqlalchemy_url
from todo_service.adapters.sql import migrate_to_head

CHATTR_MISSING = "chattr is not installed: as root, only an immutable file refuses writes"


class WriteSwitch(Protocol):
    """A migrated database of a test's own, whose writes can be refused and allowed again."""

    url: str

    def refuse_writes(self) -> None: ...

    def allow_writes(self) -> None: ...


class ReadOnlyPostgres(WriteSwitch):
    def __init__(self, admin: str, name: str) -> None:
        self._admin = admin
        self._name = name
        self.url = postgres_sqlalchemy_url(name)

    def refuse_writes(self) -> None:
        self._alter("ALTER DATABASE {} SET default_transaction_read_only = on")

    def allow_writes(self) -> None:
        self._alter("ALTER DATABASE {} RESET default_transaction_read_only")

    def _alter(self, statement: str) -> None:
        with psycopg.connect(self._admin, autocommit=True) as admin:
            admin.execute(sql.SQL(statement).format(sql.Identifier(self._name)))


class UnwritableSqliteFile(WriteSwitch):
    def __init__(self, path: Path) -> None:
        self._path = path
        self.url = f"sqlite:///{path}"

    def refuse_writes(self) -> None:
        if os.geteuid() != 0:
            self._path.chmod(0o444)
            return
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip(CHATTR_MISSING)
        refused = _chattr(chattr, "+i", self._path)
        if refused.returncode != 0:
            pytest.skip(f"chattr +i failed, so root could still write: {refused.stderr.strip()}")

    def allow_writes(self) -> None:
        chattr = shutil.which("chattr")
        if os.geteuid() != 0:
            self._path.chmod(0o644)
        elif chattr is not None:
            _chattr(chattr, "-i", self._path)


def _chattr(chattr: str, flag: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - a fixed program on a file this test made
        [chattr, flag, str(path)], capture_output=True, text=True, check=False
    )


@contextmanager
def read_only_postgres(admin: str) -> Iterator[ReadOnlyPostgres]:
    """A migrated PostgreSQL database of the caller's own, dropped afterwards."""
    name = create_database(admin, prefix="todo_read_only")
    try:
        switch = ReadOnlyPostgres(admin, name)
        migrate_to_head(switch.url)
        yield switch
    finally:
        drop_database(admin, name)


@contextmanager
def unwritable_sqlite_file(template: Path, folder: Path) -> Iterator[UnwritableSqliteFile]:
    """A copy of a migrated SQLite file, writable again afterwards (so it can be removed)."""
    path = folder / "todo.db"
    shutil.copy(template, path)
    switch = UnwritableSqliteFile(path)
    try:
        yield switch
    finally:
        switch.allow_writes()
