"""The table mappings are derived from the domain's fields and the tables' columns."""

from dataclasses import dataclass
from uuid import UUID

import pytest
import sqlalchemy as sa

from tests.factories import ALICE, T0
from todo_service.adapters.sql.mapping import TODOS, TableMapping
from todo_service.domain import NewTodo, Priority, Todo

METADATA = sa.MetaData()
PAIRS = sa.Table("pairs", METADATA, sa.Column("left", sa.Integer), sa.Column("right", sa.Integer))


@dataclass
class Pair:
    left: int
    right: int


def test_a_todo_goes_to_its_columns_and_comes_back_equal() -> None:
    todo = Todo.create(
        T0_ID, ALICE, NewTodo("Buy Milk", "Oat", Priority.HIGH, due_at=T0, completed=True), T0
    )
    values = TODOS.values(todo)
    assert (values["user_id"], values["priority"], values["title_folded"]) == (
        "alice",
        Priority.HIGH.rank,
        "buy milk",
    )
    assert TODOS.load(values) == todo


def test_a_column_without_a_field_or_a_rule_stops_the_import() -> None:
    wider = sa.Table(
        "wider", METADATA, sa.Column("left", sa.Integer), sa.Column("right", sa.Integer),
        sa.Column("tags", sa.JSON),
    )  # fmt: skip
    with pytest.raises(TypeError, match=r"columns \['tags'\] have no field"):
        TableMapping(Pair, wider, stored={}, loaded={})


def test_a_field_without_a_column_or_a_rule_stops_the_import() -> None:
    @dataclass
    class Triple(Pair):
        tags: tuple[str, ...] = ()

    with pytest.raises(TypeError, match=r"fields \['tags'\] have no column"):
        TableMapping(Triple, PAIRS, stored={}, loaded={})


T0_ID = UUID(int=1)
