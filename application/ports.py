from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from types import TracebackType
from typing import Protocol, Self

from todo_service.application.changes import Change, ChangePosition
from todo_service.application.idempotency import IdempotencyRecord
from todo_service.application.listing import TodoFilters, TodoQuery
from todo_service.application.rate_policy import RatePolicy
from todo_service.domain import Placement, Quota, Todo, TodoChanges, TodoId, Usage, User, UserId


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class IdGenerator(Protocol):
    def new_todo_id(self) -> TodoId:
        """A fresh, never reused todo id."""
        ...


class TodoRepository(Protocol):
    """Todos, always seen through their owner: no method reaches across users."""

    # Every write records, in its own transaction, the number of the change that made it
    # (on the todo, or on a tombstone when it is removed): application/changes.py.

    def add(self, todo: Todo) -> None: ...

    def get(self, owner_id: UserId, todo_id: TodoId, *, for_update: bool = False) -> Todo | None:
        """The owner's todo with that id, or None; `for_update` locks it to the transaction."""
        ...

    def save(self, todo: Todo) -> None:
        """Store `todo` over its previous version (`todo.version - 1`).

        Raises StaleWriteError when the stored todo is at another version or gone,
        so that concurrent writers can never silently overwrite each other.
        """
        ...

    def remove(self, todo: Todo, deleted_at: datetime) -> None:
        """Delete `todo` if it is still at `todo.version`, leaving a tombstone of
        `deleted_at`; otherwise raise StaleWriteError."""
        ...

    def save_all(self, todos: Sequence[Todo]) -> None:
        """`save` each of `todos`, as one write where the store can: StaleWriteError
        when any of them moved on (the unit of work then commits none of them)."""
        ...

    def remove_all(self, todos: Sequence[Todo], deleted_at: datetime) -> None:
        """`remove` each of `todos`, as one write where the store can: StaleWriteError
        when any of them moved on or is gone (the unit of work then commits none of it)."""
        ...

    def matching(
        self, owner_id: UserId, filters: TodoFilters, *, for_update: bool = False
    ) -> Sequence[Todo]:
        """Every one of the owner's todos that `filters` match, in no particular order;
        `for_update` locks them to the transaction. At most the owner's quota of todos."""
        ...

    def find(self, owner_id: UserId, query: TodoQuery) -> Sequence[Todo]:
        """The page `query` describes, plus the first todo after it when there is one.

        The extra todo lets the caller tell whether a next page exists without a
        second query. Order: `query.sort`, ties broken by id in the same direction,
        todos without the sort value last.
        """
        ...

    def count(self, owner_id: UserId, filters: TodoFilters) -> int:
        """How many of the owner's todos match `filters`."""
        ...

    def find_with_total(self, owner_id: UserId, query: TodoQuery) -> tuple[Sequence[Todo], int]:
        """`find(owner_id, query)` and `count(owner_id, query.filters)`, as one read if it can."""
        return self.find(owner_id, query), self.count(owner_id, query.filters)

    def change_floor(self) -> int:
        """A number no change committed from now on is below (whoever's it is)."""
        ...

    def changes_after(
        self,
        owner_id: UserId,
        after: ChangePosition,
        limit: int,
        *,
        deletions_from: int | None = 0,
    ) -> Sequence[Change]:
        """The owner's changes past `after`, in position order: each todo changed there as
        it is now, and each deleted one's tombstone numbered `deletions_from` or more (None:
        no tombstones); at most `limit + 1`."""
        ...

    def floor_and_changes_after(
        self,
        owner_id: UserId,
        after: ChangePosition,
        limit: int,
        *,
        deletions_from: int | None = 0,
    ) -> tuple[int, Sequence[Change]]:
        """`change_floor()`, then `changes_after(...)`, as one read if it can: the floor is
        never taken after the changes are read."""
        floor = self.change_floor()
        return floor, self.changes_after(owner_id, after, limit, deletions_from=deletions_from)

    def owners_with_changes(self, owner_ids: Collection[UserId], floor: int) -> set[UserId]:
        """Those of `owner_ids` with a change numbered `floor` or more (live updates ask)."""
        ...

    def purge_tombstones(self, before: datetime) -> int:
        """Forget the tombstones of todos deleted before `before`; how many went."""
        ...

    def usage(self, owner_id: UserId) -> Usage:
        """How many todos the owner has, and their text in UTF-8 bytes, as stored now.

        Counted from the todos themselves; `UserRepository.change_usage` answers the same
        from what the writes recorded, without reading them all.
        """
        ...


class UserRepository(Protocol):
    def get(self, user_id: UserId) -> User | None: ...

    def add_if_absent(self, user: User) -> User:
        """Store `user` unless a user with its id exists; return the stored user."""
        ...

    def save(self, user: User) -> None: ...

    def hold(self, user_id: UserId) -> None:
        """Hold the user until the transaction ends, as `change_usage` does, changing nothing:
        other transactions that hold the user or change their usage wait."""
        ...

    def change_usage(self, user_id: UserId, todos: int, text_bytes: int) -> Usage:
        """Record that the user's todos and text (UTF-8 bytes) change by these amounts in
        this transaction, and return what the user held before it.

        Every write that adds, removes or resizes a todo calls it, before that write.
        It holds the user until the transaction ends: other transactions that change
        the same user's usage wait, so a quota checked against the answer cannot be
        overshot by concurrent writers.
        """
        ...


class IdempotencyRepository(Protocol):
    def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        """Bind the record's owner and key to it, unless a live record already holds them.

        Returns the record that holds the key afterwards: `record` itself when it won,
        the earlier one otherwise. A record whose `expires_at` is not after `now` is
        dead and is replaced. Concurrent claims of one key wait for each other, so
        exactly one wins.
        """
        ...

    def purge_expired(self, now: datetime) -> int:
        """Delete every record dead at `now`; return how many went."""
        ...


class Toggle(Enum):
    """A change that flips whether a todo is completed, whatever it was (Todo.toggled)."""

    TOGGLE = "toggle"


TOGGLE = Toggle.TOGGLE


class TodoWrites(Protocol):
    """The writes of one todo, or of every todo a listing's filters match, each a whole
    transaction of its own.

    Each is done and committed when it returns, and has done nothing when it raises:
    call one on a unit of work that has done nothing else, and commit nothing after
    it. A store may do one in a single statement (one round trip to a database) or in
    steps under its own lock: `application.stepwise_writes` is the steps, and the
    contract every store is tested against (tests/contract). The rules are the
    domain's either way; a store that decides any of them itself must decide as the
    domain does, and answer each refusal with the domain's error.
    """

    def add(
        self,
        todo: Todo,
        *,
        owner: User,
        quota: Quota,
        at_end: bool,
        claim: IdempotencyRecord | None,
        now: datetime,
    ) -> Todo | IdempotencyRecord:
        """Store `todo`, new, and return it as stored; or, when `claim`'s key is already
        held, store nothing and return the live record that holds it.

        - `owner` is recorded unless the user is known; a deactivated user may not add
          (UserDeactivatedError).
        - With `claim`, its key is claimed for the todo (`IdempotencyRepository.claim`)
          before anything else is decided.
        - The todo counts in its owner's usage: past `quota`, QuotaExceededError.
        - With `at_end`, it takes the order after the owner's last todo (the domain's
          `order_between`), the nearest neighbours renumbered when no room is left there.
        """
        ...

    def change(
        self,
        owner_id: UserId,
        todo_id: TodoId,
        change: TodoChanges | Toggle,
        *,
        now: datetime,
        quota: Quota,
        expected_version: int | None = None,
    ) -> Todo:
        """Apply `change` to the owner's todo (`Todo.changed` at `now`, or `Todo.toggled`)
        and return the todo as it is afterwards.

        TodoNotFoundError when it is missing or another user's; VersionConflictError
        when `expected_version` is given and the todo is at another; QuotaExceededError
        when the change grows the owner's text past `quota`. A change that changes
        nothing stores nothing.
        """
        ...

    def remove(
        self,
        owner_id: UserId,
        todo_id: TodoId,
        *,
        now: datetime,
        expected_version: int | None = None,
    ) -> None:
        """Delete the owner's todo, leaving its tombstone at `now`, and take it out of
        their usage; TodoNotFoundError and VersionConflictError as `change`."""
        ...

    def change_matching(
        self, owner_id: UserId, filters: TodoFilters, changes: TodoChanges, *, now: datetime
    ) -> int:
        """Apply `changes` to every one of the owner's todos that `filters` match, as
        `change` applies them to one, all or none; return how many changed (a todo the
        change leaves as it was is not counted and keeps its version)."""
        ...

    def remove_matching(self, owner_id: UserId, filters: TodoFilters, *, now: datetime) -> int:
        """Delete every one of the owner's todos that `filters` match (`TodoFilters.matches`;
        all of them with none set), as `remove` deletes one, all or none; return how many."""
        ...

    def move(
        self,
        owner_id: UserId,
        todo_id: TodoId,
        placement: Placement,
        *,
        now: datetime,
        expected_version: int | None = None,
    ) -> Todo:
        """Move the owner's todo where `placement` says in their list (`sort=order:asc`)
        and return it as it is afterwards: it takes a free order between its new
        neighbours (the domain's `make_room`), the nearest todos around the gap renumbered
        when none is left; one already standing there stays as it is.

        Moves of one owner's todos run one at a time. An anchor that is not another of
        the owner's todos is InvalidValueError; TodoNotFoundError and
        VersionConflictError as `change`.
        """
        ...


class UnitOfWork(Protocol):
    """One transaction: everything done through it is undone unless `commit` is called
    (but `writes`, each of which is a transaction of its own)."""

    todos: TodoRepository
    users: UserRepository
    idempotency: IdempotencyRepository
    writes: TodoWrites

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class VerifiedClaims:
    """What a verified token says about its bearer, and until when (its `exp`)."""

    subject: str
    email: str | None = None
    name: str | None = None
    expires_at: datetime | None = None


class KeyFetch(Protocol):
    """A fetch of the keys tokens are checked with, under way in a thread of its own."""

    wait_seconds: float
    """How long a caller waits for it at most; a fetch still going then counts as failed."""

    def when_over(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the fetch is over, whether it worked or not: at once if it
        is, else from the thread that ends it. `callback` must be quick and never raise."""
        ...


class TokenVerifier(Protocol):
    """Checks bearer tokens; the keys it checks them with may have to be fetched first.

    Every method raises InvalidTokenError for any token that must not be trusted, and
    AuthenticationUnavailableError when the keys cannot be fetched.
    """

    def verify(self, token: str) -> VerifiedClaims:
        """Claims of a valid token, waiting (in this thread) for the keys it needs."""
        ...

    def verify_or_fetch(self, token: str) -> VerifiedClaims | KeyFetch:
        """Claims of a valid token, never waiting: where `verify` would wait for a fetch of
        the keys, that fetch. Once it is over, `verify_with_keys_at_hand` has the answer."""
        ...

    def verify_with_keys_at_hand(self, token: str) -> VerifiedClaims:
        """Claims of a valid token, never fetching keys nor waiting for a fetch: a key that
        is not at hand refuses the token."""
        ...


class RateLimiter(Protocol):
    """Counts requests per subject and policy, wherever the counts are kept."""

    def admit(self, policy: RatePolicy, subject: str) -> float:
        """0 when one more request of `subject` fits `policy` now, and counts it.

        Otherwise the seconds until one would fit, counting nothing. Concurrent calls
        for one subject are counted exactly, never both admitted past the burst.
        """
        ...
