"""one statement writes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:20:00

PostgreSQL only (docs/adr/0026). Four functions, each one single-todo write as one
statement, so that a create, a change (patch or toggle), a delete or a move is one round
trip to the database rather than four to seven:

- `todo_add_v1`: record the owner on first sight, claim the idempotency key, count the
  todo in the owner's usage, place it at the end of the list, insert it;
- `todo_change_v1`: apply a change (or a toggle) to one todo at the expected version,
  counting a change of its text in the owner's usage;
- `todo_remove_v1`: delete one todo at the expected version, leave its tombstone, take
  it out of the owner's usage;
- `todo_move_v1`: move one todo to an end of its owner's list, or before or after
  another of their todos, into a free order between its new neighbours.

Each settles only the write that goes through: where anything is off (an inactive
owner, a key already held, a quota reached, no free order where the todo goes, a
missing todo or anchor, another version, a version at its maximum) it changes nothing
and raises SQLSTATE `TD000`. The service then does the write in steps, where the domain
decides and answers (adapters/sql/writes.py). A function is never changed in place: a release
that needs another creates `_v2` beside it, so that two releases can run side by side
during a rolling deploy, and a later revision drops the old one.

Inside a volatile function each statement takes a fresh snapshot (READ COMMITTED), so
what is read after a lock is what the lock's holder committed: the locks are taken in
the order the stepwise writes take them (the key, then the usage row; the todo, then
the usage row; for a move, the usage row, then the todo), so the two paths never wait
on each other in a circle.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns each function writes, as they are at this revision: named, so that a column
# a later revision adds takes its default from the functions of this one, which the
# release before it calls during a rolling deploy.
_USER = ("id", "email", "name", "created_at", "active")
_KEY = ("user_id", "key", "fingerprint", "todo_id", "expires_at")
_TODO = (
    "id",
    "user_id",
    "title",
    "title_folded",
    "description",
    "priority",
    "due_at",
    "completed",
    "completed_at",
    "created_at",
    "updated_at",
    '"order"',
    "version",
    "change_number",
)
# Those a change may write: all but its id, owner and creation.
_CHANGED = _TODO[2:9] + _TODO[10:]


def _columns(names: Sequence[str], row: str | None = None) -> str:
    """The column list `a, b, ...`, or with `row` the same fields of a row variable."""
    return ", ".join(names if row is None else (f"{row}.{name}" for name in names))


# What the domain's `text_bytes` counts: the title and the description, in UTF-8 bytes.
_TEXT_BYTES = "octet_length({row}.title) + coalesce(octet_length({row}.description), 0)"
_CHANGE_NUMBER = "pg_current_xact_id()::text::bigint"
_NOT_SETTLED = "RAISE EXCEPTION 'not settled here: %', {reason} USING ERRCODE = 'TD000'"

# The owner's todo, locked, at the expected version (when one is given) and below the
# largest version, into the row variable `{row}`.
_LOCKED_AT_VERSION = f"""SELECT * INTO {{row}} FROM todos
    WHERE id = todo_id AND user_id = owner_id FOR UPDATE;
    IF NOT FOUND THEN
        {_NOT_SETTLED.format(reason="'no such todo'")};
    END IF;
    IF expected_version IS NOT NULL AND {{row}}.version <> expected_version
            OR {{row}}.version = 9223372036854775807 THEN
        {_NOT_SETTLED.format(reason="'version'")};
    END IF;"""  # noqa: S608 - put together from this file's constants only

TODO_ADD = f"""
CREATE FUNCTION todo_add_v1(
    todo jsonb, at_end boolean, step bigint, max_order bigint,
    owner jsonb, max_todos bigint, max_text_bytes bigint, claim jsonb, now timestamptz
) RETURNS SETOF todos LANGUAGE plpgsql AS $$
DECLARE
    added todos := jsonb_populate_record(NULL::todos, todo);
    first_seen users := jsonb_populate_record(NULL::users, owner);
    claimed idempotency_keys := jsonb_populate_record(NULL::idempotency_keys, claim);
    size bigint := {_TEXT_BYTES.format(row="added")};
    used user_usage;
    last bigint;
BEGIN
    INSERT INTO users ({_columns(_USER)}) VALUES ({_columns(_USER, "first_seen")})
    ON CONFLICT (id) DO NOTHING;
    IF NOT (SELECT active FROM users WHERE id = added.user_id) THEN
        {_NOT_SETTLED.format(reason="'inactive owner'")};
    END IF;
    IF claim IS NOT NULL THEN
        INSERT INTO idempotency_keys AS held ({_columns(_KEY)})
        VALUES ({_columns(_KEY, "claimed")})
        ON CONFLICT (user_id, key) DO UPDATE
            SET fingerprint = excluded.fingerprint,
                todo_id = excluded.todo_id,
                expires_at = excluded.expires_at
            WHERE held.expires_at <= now;
        IF NOT FOUND THEN
            {_NOT_SETTLED.format(reason="'key held'")};
        END IF;
    END IF;
    -- The usage row's lock queues the owner's other writers until this one commits.
    INSERT INTO user_usage AS usage VALUES (added.user_id, 1, size)
    ON CONFLICT (user_id) DO UPDATE
        SET todos = usage.todos + 1, text_bytes = usage.text_bytes + size
    RETURNING * INTO used;
    IF used.todos > max_todos OR used.text_bytes > max_text_bytes THEN
        {_NOT_SETTLED.format(reason="'quota'")};
    END IF;
    IF at_end THEN
        -- The domain's order_between(last, None): a step past the last, or halfway to
        -- the largest order; no room left is the domain's to make.
        SELECT max("order") INTO last FROM todos WHERE user_id = added.user_id;
        IF last IS NULL THEN
            added."order" := 0;
        ELSIF max_order - last < 1 THEN
            {_NOT_SETTLED.format(reason="'no room at the end'")};
        ELSE
            added."order" := last + least(step, (max_order + 1 - last) / 2);
        END IF;
    END IF;
    added.change_number := {_CHANGE_NUMBER};
    INSERT INTO todos ({_columns(_TODO)}) VALUES ({_columns(_TODO, "added")})
    RETURNING * INTO added;
    RETURN NEXT added;
END
$$
"""  # noqa: S608 - put together from this file's constants only

TODO_CHANGE = f"""
CREATE FUNCTION todo_change_v1(
    owner_id text, todo_id uuid, changes jsonb, toggle boolean, expected_version bigint,
    now timestamptz, max_text_bytes bigint
) RETURNS SETOF todos LANGUAGE plpgsql AS $$
DECLARE
    stored todos;
    changed todos;
    grown bigint;
    used user_usage;
BEGIN
    {_LOCKED_AT_VERSION.format(row="stored")}
    changed := jsonb_populate_record(stored, changes);
    IF toggle THEN
        changed.completed := NOT stored.completed;
    END IF;
    -- The domain's Todo.changed: nothing changed leaves the todo as it is.
    IF changed IS NOT DISTINCT FROM stored THEN
        RETURN NEXT stored;
        RETURN;
    END IF;
    changed.updated_at := greatest(now, stored.updated_at);
    IF changed.completed <> stored.completed THEN
        changed.completed_at := CASE WHEN changed.completed THEN changed.updated_at END;
    END IF;
    changed.version := stored.version + 1;
    changed.change_number := {_CHANGE_NUMBER};
    grown := {_TEXT_BYTES.format(row="changed")} - ({_TEXT_BYTES.format(row="stored")});
    IF grown <> 0 THEN
        UPDATE user_usage SET text_bytes = text_bytes + grown
        WHERE user_id = owner_id RETURNING * INTO used;
        IF NOT FOUND OR grown > 0 AND used.text_bytes > max_text_bytes THEN
            {_NOT_SETTLED.format(reason="'quota'")};
        END IF;
    END IF;
    UPDATE todos SET ({_columns(_CHANGED)}) = ({_columns(_CHANGED, "changed")})
    WHERE id = todo_id AND user_id = owner_id;
    RETURN NEXT changed;
END
$$
"""  # noqa: S608 - put together from this file's constants only

TODO_REMOVE = f"""
CREATE FUNCTION todo_remove_v1(
    owner_id text, todo_id uuid, expected_version bigint, deleted_at timestamptz
) RETURNS SETOF todos LANGUAGE plpgsql AS $$
DECLARE
    removed todos;
BEGIN
    DELETE FROM todos
    WHERE id = todo_id AND user_id = owner_id
        AND (expected_version IS NULL OR version = expected_version)
    RETURNING * INTO removed;
    IF NOT FOUND THEN
        {_NOT_SETTLED.format(reason="'no such todo at that version'")};
    END IF;
    INSERT INTO todo_tombstones (todo_id, user_id, change_number, deleted_at)
    VALUES (removed.id, removed.user_id, {_CHANGE_NUMBER}, deleted_at);
    UPDATE user_usage
    SET todos = todos - 1, text_bytes = text_bytes - ({_TEXT_BYTES.format(row="removed")})
    WHERE user_id = owner_id;
    IF NOT FOUND THEN
        {_NOT_SETTLED.format(reason="'no usage'")};
    END IF;
    RETURN NEXT removed;
END
$$
"""  # noqa: S608 - put together from this file's constants only

TODO_MOVE = f"""
CREATE FUNCTION todo_move_v1(
    owner_id text, todo_id uuid, place text, anchor_id uuid, expected_version bigint,
    now timestamptz, step bigint, max_order bigint
) RETURNS SETOF todos LANGUAGE plpgsql AS $$
DECLARE
    moving todos;
    anchor todos;
    low todos;
    high todos;
    low_order bigint;
    high_order bigint;
    halfway bigint;
    placed bigint;
BEGIN
    -- Holds the owner, as every move does: one user's moves run one at a time.
    INSERT INTO user_usage AS usage VALUES (owner_id, 0, 0)
    ON CONFLICT (user_id) DO UPDATE SET todos = usage.todos;
    {_LOCKED_AT_VERSION.format(row="moving")}
    IF anchor_id IS NOT NULL THEN
        SELECT * INTO anchor FROM todos
        WHERE id = anchor_id AND user_id = owner_id AND id <> todo_id;
        IF NOT FOUND THEN
            {_NOT_SETTLED.format(reason="'no such anchor'")};
        END IF;
    END IF;
    -- The nearest todos on each side of the gap, in the list's order (order, then id).
    IF place = 'start' THEN
        SELECT * INTO high FROM todos WHERE user_id = owner_id AND id <> todo_id
        ORDER BY "order", id LIMIT 1;
    ELSIF place = 'end' THEN
        SELECT * INTO low FROM todos WHERE user_id = owner_id AND id <> todo_id
        ORDER BY "order" DESC, id DESC LIMIT 1;
    ELSIF place = 'before' THEN
        high := anchor;
        SELECT * INTO low FROM todos WHERE user_id = owner_id AND id <> todo_id
            AND ("order", id) < (anchor."order", anchor.id)
        ORDER BY "order" DESC, id DESC LIMIT 1;
    ELSE
        low := anchor;
        SELECT * INTO high FROM todos WHERE user_id = owner_id AND id <> todo_id
            AND ("order", id) > (anchor."order", anchor.id)
        ORDER BY "order", id LIMIT 1;
    END IF;
    -- Already standing there (placing.py's _stands_between): nothing moves.
    IF (low.id IS NULL OR (low."order", low.id) < (moving."order", moving.id))
            AND (high.id IS NULL OR (moving."order", moving.id) < (high."order", high.id)) THEN
        RETURN NEXT moving;
        RETURN;
    END IF;
    -- The domain's order_between(low, high); no room left is the domain's to make.
    low_order := coalesce(low."order", -max_order - 1);
    high_order := coalesce(high."order", max_order + 1);
    IF high_order - low_order < 2 THEN
        {_NOT_SETTLED.format(reason="'no room'")};
    END IF;
    halfway := low_order + (high_order - low_order) / 2;
    placed := CASE
        WHEN low.id IS NULL THEN greatest(high_order - step, halfway)
        WHEN high.id IS NULL THEN least(low_order + step, halfway)
        ELSE halfway
    END;
    IF placed = moving."order" THEN
        RETURN NEXT moving;
        RETURN;
    END IF;
    moving."order" := placed;
    moving.updated_at := greatest(now, moving.updated_at);
    moving.version := moving.version + 1;
    moving.change_number := {_CHANGE_NUMBER};
    UPDATE todos SET ("order", updated_at, version, change_number)
        = (moving."order", moving.updated_at, moving.version, moving.change_number)
    WHERE id = todo_id AND user_id = owner_id;
    RETURN NEXT moving;
END
$$
"""  # noqa: S608 - put together from this file's constants only

_SIGNATURES = (
    "todo_add_v1(jsonb, boolean, bigint, bigint, jsonb, bigint, bigint, jsonb, timestamptz)",
    "todo_change_v1(text, uuid, jsonb, boolean, bigint, timestamptz, bigint)",
    "todo_remove_v1(text, uuid, bigint, timestamptz)",
    "todo_move_v1(text, uuid, text, uuid, bigint, timestamptz, bigint, bigint)",
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for definition in (TODO_ADD, TODO_CHANGE, TODO_REMOVE, TODO_MOVE):
        op.execute(definition)


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for signature in _SIGNATURES:
        op.execute(f"DROP FUNCTION {signature}")
