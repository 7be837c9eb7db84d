import re
from pathlib import Path

from pydantic import BaseModel

from todo_service.entrypoints.settings import (
    SERVER_CONCERNS,
    SERVICE_CONCERNS,
    DatabaseSettings,
    EdgeSettings,
    LimitSettings,
    ObservabilitySettings,
    Settings,
    TokenSettings,
)

README = Path(__file__).parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_in_process_example_runs_as_written() -> None:
    blocks = python_blocks()
    assert blocks, "README.md has no python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})  # noqa: S102 - our own README


# The README's configuration section: one heading and table per concern model, in order.
CONCERN_HEADINGS: dict[str, type[BaseModel]] = {
    "Database": DatabaseSettings,
    "Tokens and identity providers": TokenSettings,
    "Limits and quotas": LimitSettings,
    "HTTP server": EdgeSettings,
    "Logs and metrics": ObservabilitySettings,
}


def configuration_section() -> str:
    """The README's `## Configuration`, up to the next section of that level."""
    return README.read_text().split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]


def configuration_table() -> dict[str, str]:
    """The README's configuration tables: variable -> its default cell."""
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]*) \|", configuration_section(), flags=re.MULTILINE)
    return {name: default.strip().strip("`") for name, default in rows}


def configuration_groups() -> list[tuple[str | None, list[str]]]:
    """Each `###` heading of the configuration section with the variables its table lists;
    None for rows above the first heading."""
    groups: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in configuration_section().splitlines():
        if line.startswith("### "):
            groups.append((line.removeprefix("### ").strip(), []))
        elif row := re.match(r"^\| `([A-Z_]+)` \|", line):
            groups[-1][1].append(row[1])
    return [(heading, names) for heading, names in groups if names]


def test_the_configuration_table_lists_every_setting_and_its_plain_defaults() -> None:
    table = configuration_table()
    fields = Settings.model_fields
    assert set(table) == {name.upper() for name in fields}
    for name, cell in table.items():
        default = fields[name.lower()].default
        if isinstance(default, bool):
            assert cell == str(default).lower(), name
        elif isinstance(default, str):
            assert cell == default, name
        elif isinstance(default, int | float) and re.fullmatch(r"\d+(\.\d+)?", cell):
            assert float(cell) == float(default), name


def test_the_configuration_tables_are_one_per_concern_in_the_order_of_the_settings() -> None:
    assert tuple(CONCERN_HEADINGS.values()) == SERVICE_CONCERNS + SERVER_CONCERNS
    groups = configuration_groups()
    assert [heading for heading, _ in groups] == list(CONCERN_HEADINGS)
    for heading, names in groups:
        assert heading is not None
        concern = CONCERN_HEADINGS[heading]
        assert names == [name.upper() for name in concern.model_fields], heading
    # So the tables read in the order `todo serve --help` lists the settings.
    listed = [name for _, names in groups for name in names]
    assert listed == [name.upper() for name in Settings.model_fields]
