"""What a run says when something a test needs is missing: a skip here, a failure in CI."""

import os
from typing import NoReturn

import pytest

# Here rather than in tests/browser/conftest.py, so that tests/conftest.py can name the skip.
CHROMIUM = os.environ.get("TODO_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_MISSING = f"no Chromium at {CHROMIUM} (apt-get install chromium)"


def unavailable(reason: str, *, required_by: str) -> NoReturn:
    """Skip for `reason`, unless the environment variable `required_by` is 1: then fail."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{reason}, and {required_by}=1 makes that a failure")
    pytest.skip(reason)


def note_skips(terminalreporter: pytest.TerminalReporter, reason: str, what: str) -> None:
    """A closing line, hard to miss, when tests were skipped for `reason`.

    Called from tests/conftest.py, the one conftest a parallel run's controller loads:
    the workers' skip reports arrive there, with their reasons.
    """
    skipped = terminalreporter.stats.get("skipped", [])
    if any(reason in str(report.longrepr) for report in skipped):
        terminalreporter.write_line(
            f"NOTE: {what} SKIPPED ({reason}); everything else ran. CI runs them.",
            yellow=True,
            bold=True,
        )
