"""Bulk seeding of the benchmark database in SQL: a million rows in seconds, not minutes."""

import psycopg
from psycopg import sql

MAIN_USER = "bench-user"
WRITER_USER = "bench-writer"
CLEAR_USER = "bench-clearer"
SYNC_USER = "bench-syncer"
OTHER_USERS = 100
# The todos seeded done, in SQL over the row number `g`: every fifth.
SOME_DONE = "g %% 5 = 0"

_USERS = """
INSERT INTO users (id, email, name, created_at, active)
SELECT id, NULL, NULL, now(), true
FROM unnest(%(ids)s::text[]) AS id
"""

# Every tenth title mentions milk (the filtered workload's `q`); the `done` ones are
# completed, every fourth has no due date; created_at steps back one second a row, and
# the manual order runs the other way, 65536 apart, as the service appends them.
_TODOS = """
INSERT INTO todos (id, user_id, title, title_folded, description, priority, due_at,
                   completed, completed_at, created_at, updated_at, "order", version)
SELECT gen_random_uuid(), {owner}, t.title, lower(t.title), NULL, g %% 3,
       CASE WHEN g %% 4 = 0 THEN NULL ELSE now() + g * interval '1 minute' END,
       {done}, CASE WHEN {done} THEN now() END,
       now() - g * interval '1 second', now() - g * interval '1 second', -g::bigint * 65536, 1
FROM generate_series(%(first)s::int, %(last)s::int) AS g,
     LATERAL (SELECT CASE WHEN g %% 10 = 0 THEN 'Buy milk #' || g
                          ELSE 'Task #' || g END AS title) AS t
"""

# Each user's counters as the service keeps them (todos, UTF-8 bytes of their text),
# from what they hold now.
_USAGE = """
INSERT INTO user_usage (user_id, todos, text_bytes)
SELECT u.id, count(t.id),
       coalesce(sum(octet_length(t.title) + coalesce(octet_length(t.description), 0)), 0)
FROM unnest(%(ids)s::text[]) AS u(id) LEFT JOIN todos AS t ON t.user_id = u.id
GROUP BY u.id
ON CONFLICT (user_id) DO UPDATE SET todos = excluded.todos, text_bytes = excluded.text_bytes
"""


def other_user(number: int) -> str:
    return f"bench-other-{number}"


def user_ids() -> list[str]:
    others = (other_user(n) for n in range(1, OTHER_USERS + 1))
    return [MAIN_USER, WRITER_USER, CLEAR_USER, SYNC_USER, *others]


def seed_users(conn: psycopg.Connection) -> None:
    conn.execute(_USERS, {"ids": user_ids()})


def seed_main_user(conn: psycopg.Connection, count: int) -> None:
    seed_user(conn, MAIN_USER, 1, count)


def seed_user(
    conn: psycopg.Connection, owner: str, first: int, last: int, done: str = SOME_DONE
) -> None:
    """Rows `first`..`last` for one user."""
    statement = _TODOS.format(owner="%(owner)s", done=done)
    conn.execute(statement, {"owner": owner, "first": first, "last": last})


def seed_other_users(conn: psycopg.Connection, first: int, last: int) -> None:
    """Rows `first`..`last` spread evenly over the other users."""
    owner = f"'bench-other-' || (g %% {OTHER_USERS} + 1)"
    statement = _TODOS.format(owner=owner, done=SOME_DONE)
    conn.execute(statement, {"first": first, "last": last})


def count_usage(conn: psycopg.Connection, ids: list[str]) -> None:
    """The users' usage counters made exact: rows seeded here bypass the service's."""
    conn.execute(_USAGE, {"ids": ids})


def grow(conn: psycopg.Connection, first: int, last: int) -> None:
    """Bulk rows `first`..`last` for the other users, with the secondary indexes rebuilt.

    Maintaining five indexes row by row is most of a large insert's cost: they are
    dropped, the rows inserted, and the same indexes created again in one sort each.
    """
    secondary = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'todos'"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    ).fetchall()
    with conn.transaction():
        for name, _ in secondary:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        seed_other_users(conn, first, last)
        for _, definition in secondary:
            conn.execute(sql.SQL(definition))
    analyze(conn)
    # Flush the bulk write now, not while the next measurement runs.
    conn.execute("CHECKPOINT")


def analyze(conn: psycopg.Connection) -> None:
    conn.execute("VACUUM ANALYZE todos")
    conn.execute("VACUUM ANALYZE users")
