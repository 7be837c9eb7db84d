"""The usage every store keeps counts every quota text field, as the domain counts it.

On PostgreSQL the writes go through migration 0010's functions, which restate in SQL
which fields are counted (frozen history, not built from QUOTA_TEXT_FIELDS): a field the
domain counts and they do not makes the usage they keep drift from the domain's count.
The todos here fill every field of user text (read from the shapes' annotations, which
tests/unit/domain/test_quota_text_fields.py holds QUOTA_TEXT_FIELDS to) with multi-byte
text, and each is grown, shrunk and (if it may be) cleared in turn.
"""

import typing
from typing import Any
from uuid import UUID

from tests.contract.conftest import Backend
from tests.contract.quota_text import quota_texts, utf8_bytes
from tests.factories import ALICE, BOB, todo_service
from tests.shapes import field_types
from todo_service.domain import NewTodo, TodoChanges, Usage
from todo_service.domain.quota import text_bytes


def _clearable(name: str) -> bool:
    return type(None) in typing.get_args(field_types(TodoChanges)[name])


def _assert_kept_usage_is_the_domains_count(backend: Backend, ids: list[UUID]) -> None:
    with backend.unit_of_work() as uow:
        todos = [uow.todos.get(ALICE, todo_id) for todo_id in ids]
        assert None not in todos
        counted = Usage(todos=len(ids), text_bytes=sum(text_bytes(t) for t in todos if t))
        assert uow.todos.usage(ALICE) == counted  # the stores' aggregate (statements.usage)
        assert uow.users.change_usage(ALICE, 0, 0) == counted  # what the writes kept


def test_the_usage_the_writes_keep_counts_every_quota_text_field(core_backend: Backend) -> None:
    sut = todo_service(core_backend.unit_of_work)
    created = [
        sut.create_todo(ALICE, NewTodo(**quota_texts(NewTodo, repeat=n, mark=str(n))))
        for n in (1, 2, 3)
    ]
    sut.create_todo(BOB, NewTodo(**quota_texts(NewTodo)))
    ids = [todo.id for todo in created]
    # Not vacuous: every field was stored filled, and counts.
    for name in quota_texts(NewTodo):
        assert all(utf8_bytes(getattr(todo, name)) > 0 for todo in created), name
    _assert_kept_usage_is_the_domains_count(core_backend, ids)

    target = ids[0]
    for name in quota_texts(TodoChanges):
        for repeat in (5, 1):  # grows, then shrinks
            changes = quota_texts(TodoChanges, repeat=repeat, mark="patched")
            sut.update_todo(ALICE, target, TodoChanges(**{name: changes[name]}))
            _assert_kept_usage_is_the_domains_count(core_backend, ids)
        if _clearable(name):
            cleared: dict[str, Any] = {name: None}
            sut.update_todo(ALICE, target, TodoChanges(**cleared))
            _assert_kept_usage_is_the_domains_count(core_backend, ids)

    sut.delete_todo(ALICE, ids[1])
    ids.remove(ids[1])
    _assert_kept_usage_is_the_domains_count(core_backend, ids)
    sut.delete_todo(ALICE, ids[0])
    ids.remove(ids[0])
    _assert_kept_usage_is_the_domains_count(core_backend, ids)
