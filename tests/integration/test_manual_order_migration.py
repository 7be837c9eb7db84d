"""Revision 0007 orders the todos stored before it as they were created, on both databases."""

from datetime import timedelta

from tests.contract.helpers import stored
from tests.factories import ALICE, BOB, T0, make_todo
from todo_service.adapters.sql import SqlUnitOfWork, build_engine, migrate_to_head
from todo_service.adapters.sql.migrate import downgrade_to
from todo_service.application.listing import Sort, SortDirection, SortField, TodoQuery
from todo_service.domain.ordering import ORDER_STEP

BY_ORDER = TodoQuery(sort=Sort(SortField.ORDER, SortDirection.ASC))


def test_each_list_starts_in_the_order_its_todos_were_created(empty_database_url: str) -> None:
    migrate_to_head(empty_database_url)
    engine = build_engine(empty_database_url)
    try:
        # Stored out of creation order, and all at order 0 as a release without it wrote them.
        stored(
            lambda: SqlUnitOfWork(engine),
            make_todo(title="second", now=T0 + timedelta(minutes=2)),
            make_todo(title="first", now=T0),
            make_todo(owner_id=BOB, title="bob's only", now=T0 + timedelta(minutes=1)),
            make_todo(title="third", now=T0 + timedelta(minutes=3)),
        )
        downgrade_to(empty_database_url, "0006")
        migrate_to_head(empty_database_url)

        with SqlUnitOfWork(engine) as uow:
            alices = uow.todos.find(ALICE, BY_ORDER)
            bobs = uow.todos.find(BOB, BY_ORDER)
        assert [(t.title, t.order) for t in alices] == [
            ("first", ORDER_STEP),
            ("second", 2 * ORDER_STEP),
            ("third", 3 * ORDER_STEP),
        ]
        assert [t.order for t in bobs] == [ORDER_STEP]
    finally:
        engine.dispose()
