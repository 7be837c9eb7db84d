import re
from pathlib import Path

from todo_service.entrypoints.settings import Settings

README = Path(__file__).parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_in_process_example_runs_as_written() -> None:
    blocks = python_blocks()
    assert blocks, "README.md has no python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})  # noqa: S102 - our own README


def configuration_table() -> dict[str, str]:
    """The README's configuration table: variable -> its default cell."""
    section = README.read_text().split("## Configuration", 1)[1]
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]*) \|", section, flags=re.MULTILINE)
    return {name: default.strip().strip("`") for name, default in rows}


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
