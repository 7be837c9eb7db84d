"""Issue 14's search flood against `todo serve` on PostgreSQL: counts and statuses only.

One user holds 21,000 todos and searches them from 100 clients at once, three times
each; another user reads a todo of their own all the while. Every answer must be a 200:
searches served by the trigram index cost what a page costs, so neither side waits
past the pool's timeout. (How long the other user's reads take is measured by hand:
`python -m tests.performance.search_flood`, docs/adr/0021.)
"""

import uuid
from pathlib import Path

from tests.conftest import postgres_conninfo
from tests.support.live_service import running_service
from tests.system.databases import Database
from tests.system.figures import report
from tests.system.search_flood import FLOOD_CLIENTS, FLOOD_ROUNDS, flood, seed_attacker


def test_a_flood_of_searches_from_one_user_leaves_every_answer_a_200(
    postgres_database_only: Database, tmp_path: Path
) -> None:
    attacker = f"attacker-{uuid.uuid4()}"
    seed_attacker(postgres_conninfo(postgres_database_only.name), attacker)

    with running_service(postgres_database_only.environment(), tmp_path) as service:
        result = flood(service.base_url, attacker)

    searches, reads = result.searches.statuses, result.reads.statuses
    assert searches == [200] * (FLOOD_CLIENTS * FLOOD_ROUNDS), sorted(set(searches))
    assert reads, "the other user read nothing while the flood ran"
    assert set(reads) == {200}, sorted(set(reads))
    report(
        "search flood (postgres)",
        searches=len(searches),
        searches_200=searches.count(200),
        other_users_reads=len(reads),
        other_users_reads_200=reads.count(200),
    )
