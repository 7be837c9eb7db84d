"""Bulk seeding of the benchmark database in SQL: a million rows in seconds, not minutes."""

import psycopg
from psycopg import sql

MAIN_USER = "bench-user"
WRITER_USER = "bench-writer"
OTHER_USERS = 100

_USERS = """
INSERT INTO users (id, email, name, created_at, active)
SELECT id, NULL, NULL, now(), true
FROM unnest(%(ids)s::text[]) AS id
"""

# Every tenth title mentions milk (the filtered workload's `q`); every fifth todo
# is done, every fourth has no due date; created_at steps back one second a row, and
# the manual order runs the other way, 65536 apart, as the service appends them.
_TODOS = """
INSERT INTO todos (id, user_id, title, title_folded, description, priority, due_at,
                   completed, completed_at, created_at, updated_at, "order", version)
SELECT gen_random_uuid(), {owner}, t.title, lower(t.title), NULL, g %% 3,
       CASE WHEN g %% 4 = 0 THEN NULL ELSE now() + g * interval '1 minute' END,
       g %% 5 = 0, CASE WHEN g %% 5 = 0 THEN now() END,
       now() - g * interval '1 second', now() - g * interval '1 second', -g::bigint * 65536, 1
FROM generate_series(%(first)s::int, %(last)s::int) AS g,
     LATERAL (SELECT CASE WHEN g %% 10 = 0 THEN 'Buy milk #' || g
                          ELSE 'Task #' || g END AS title) AS t
"""


def other_user(number: int) -> str:
    return f"bench-other-{number}"


def seed_users(conn: psycopg.Connection) -> None:
    ids = [MAIN_USER, WRITER_USER, *(other_user(n) for n in range(1, OTHER_USERS + 1))]
    conn.execute(_USERS, {"ids": ids})


def seed_main_user(conn: psycopg.Connection, count: int) -> None:
    statement = _TODOS.format(owner="%(owner)s")
    conn.execute(statement, {"owner": MAIN_USER, "first": 1, "last": count})


def seed_other_users(conn: psycopg.Connection, first: int, last: int) -> None:
    """Rows `first`..`last` spread evenly over the other users."""
    owner = f"'bench-other-' || (g %% {OTHER_USERS} + 1)"
    statement = _TODOS.format(owner=owner)
    conn.execute(statement, {"first": first, "last": last})


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
