"""Empty databases for the tests that migrate them themselves."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import create_database, drop_database, postgres_sqlalchemy_url


@pytest.fixture
def empty_postgres_url(postgres_admin: str) -> Iterator[str]:
    """A new, empty PostgreSQL database of this test's own."""
    name = create_database(postgres_admin, prefix="todo_migrations")
    yield postgres_sqlalchemy_url(name)
    drop_database(postgres_admin, name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine a migration must run on."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'todo.db'}"
    url: str = request.getfixturevalue("empty_postgres_url")
    return url
