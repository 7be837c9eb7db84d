"""In a parallel run, tests/system and tests/providers each run on one worker, in turn.

tests/system races writers, cuts the database and SIGKILLs servers under load, each
test with `todo serve` processes of its own: two of them at once on a two-core machine
would measure each other. tests/providers starts identity providers (Node) once per
module and `todo serve` processes that trust them: spread over workers, each would
start every provider again. Everything else is handed out test by test, as
`--dist load` does.

The group is declared here, by folder, and not with `@pytest.mark.xdist_group`: pytest-xdist
3.8 marks a group by rewriting the test's node id, which pytest 9.2 no longer reads
(pytest-dev/pytest-xdist#1386), so `--dist loadgroup` alone would spread the group out.
Tests marked `xdist_group` are still kept together wherever pytest-xdist manages to.
"""

import pytest

# pytest-xdist ships no type information (no py.typed).
from xdist.remote import Producer  # type: ignore[import-untyped]
from xdist.scheduler import LoadGroupScheduling  # type: ignore[import-untyped]

ONE_WORKER_FOLDERS = ("tests/system/", "tests/providers/")


class OneWorkerFolders(LoadGroupScheduling):  # type: ignore[misc]
    """`--dist loadgroup`, with each of ONE_WORKER_FOLDERS one group."""

    def _split_scope(self, nodeid: str) -> str:
        for folder in ONE_WORKER_FOLDERS:
            if nodeid.startswith(folder):
                return folder
        return str(super()._split_scope(nodeid))


class OneWorkerFoldersPlugin:
    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(
        self, config: pytest.Config, log: Producer
    ) -> OneWorkerFolders | None:
        if config.getvalue("dist") != "loadgroup":
            return None
        return OneWorkerFolders(config, log)


def register(config: pytest.Config) -> None:
    """Supply the scheduler when pytest-xdist runs the suite (not with `-p no:xdist`)."""
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(OneWorkerFoldersPlugin(), "todo-one-worker-folders")
