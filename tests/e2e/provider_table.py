"""The README's "Identity providers" table, read as the settings each provider's row gives."""

import re
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"
_SETTING = re.compile(r"`([A-Z][A-Z0-9_]*)=([^`]+)`")
_PLACEHOLDER = re.compile(r"<([a-z][a-z-]*)>")


def provider_rows(readme: Path = README) -> dict[str, dict[str, str]]:
    """Each provider (the first cell, as written) with its settings (`NAME=value` spans)."""
    section = readme.read_text().split("\n## Identity providers\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, dict[str, str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) < 2 or cells[0] == "provider":
            continue
        rows[cells[0]] = dict(_SETTING.findall(cells[1]))
    return rows


def filled_in(settings: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """The settings with every `<placeholder>` replaced; an unknown one is a KeyError."""
    return {
        name: _PLACEHOLDER.sub(lambda found: values[found[1]], value)
        for name, value in settings.items()
    }
