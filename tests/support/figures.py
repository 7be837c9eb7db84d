"""The system tests' figures at the end of a run, a parallel one too.

A test's figures travel on its teardown report as user properties: under pytest-xdist
that report is what reaches the controller, which writes the terminal summary.
"""

import pytest

FIGURE = "system test figure"


def figures(terminalreporter: pytest.TerminalReporter) -> list[str]:
    """Every figure the run's tests reported, in the order their tests finished."""
    return [
        str(value)
        for reports in terminalreporter.stats.values()
        for report in reports
        if isinstance(report, pytest.TestReport) and report.when == "teardown"
        for name, value in report.user_properties
        if name == FIGURE
    ]


def write_figures(terminalreporter: pytest.TerminalReporter) -> None:
    lines = figures(terminalreporter)
    if lines:
        terminalreporter.section("system test figures")
        for line in lines:
            terminalreporter.write_line(line)
