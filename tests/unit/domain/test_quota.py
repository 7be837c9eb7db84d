import pytest

from tests.factories import T0, make_todo
from todo_service.domain import Quota, QuotaExceededError, TodoChanges, Usage
from todo_service.domain.quota import text_bytes

EMOJI = "\N{GRINNING FACE}"  # 4 bytes in UTF-8


def test_a_todos_text_is_its_title_and_description_in_utf8_bytes() -> None:
    todo = make_todo(title=EMOJI * 2).changed(TodoChanges(description="abc"), T0)
    assert text_bytes(todo) == 8 + 3
    assert text_bytes(make_todo(title="abc")) == 3


def test_a_new_todo_is_admitted_up_to_the_last_one_the_quota_allows() -> None:
    sut = Quota(max_todos=3, max_text_bytes=100)
    sut.admit_new(Usage(todos=2, text_bytes=0), make_todo())
    with pytest.raises(QuotaExceededError, match="at most 3 todos"):
        sut.admit_new(Usage(todos=3, text_bytes=0), make_todo())


def test_a_new_todo_is_admitted_only_while_the_text_fits_to_the_byte() -> None:
    sut = Quota(max_todos=100, max_text_bytes=12)
    sut.admit_new(Usage(todos=1, text_bytes=4), make_todo(title=EMOJI * 2))
    with pytest.raises(QuotaExceededError, match=r"at most 12 bytes of text .*this would make 13$"):
        sut.admit_new(Usage(todos=1, text_bytes=5), make_todo(title=EMOJI * 2))


def test_a_change_that_grows_the_text_past_the_quota_is_refused() -> None:
    sut = Quota(max_todos=100, max_text_bytes=10)
    before = make_todo(title="abc")
    after = before.changed(TodoChanges(description="x" * 5), T0)
    sut.admit_change(Usage(todos=2, text_bytes=5), before, after)
    with pytest.raises(QuotaExceededError, match="this would make 11"):
        sut.admit_change(Usage(todos=2, text_bytes=6), before, after)


def test_a_user_past_the_quota_may_still_shrink_or_keep_their_text() -> None:
    sut = Quota(max_todos=1, max_text_bytes=10)
    before = make_todo(title="abcdef")
    over = Usage(todos=5, text_bytes=500)
    sut.admit_change(over, before, before.changed(TodoChanges(title="abc"), T0))
    sut.admit_change(over, before, before.changed(TodoChanges(title="fedcba"), T0))
    with pytest.raises(QuotaExceededError):
        sut.admit_change(over, before, before.changed(TodoChanges(title="abcdefg"), T0))


@pytest.mark.parametrize(("todos", "text"), [(0, 10), (10, 0)])
def test_a_quota_allows_at_least_one_todo_and_one_byte(todos: int, text: int) -> None:
    with pytest.raises(ValueError, match="at least one"):
        Quota(max_todos=todos, max_text_bytes=text)
