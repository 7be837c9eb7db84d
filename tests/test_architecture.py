import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
FRAMEWORKS = ["fastapi", "starlette", "pydantic", "sqlmodel", "sqlalchemy", "jwt", "psycopg"]


def _lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own venv's tool on our own tree
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_domain_and_the_use_cases_load_no_framework_or_driver() -> None:
    probe = (
        "import sys, todo_service.domain, todo_service.application, "
        "todo_service.application.use_cases; "
        f"print([m for m in {FRAMEWORKS!r} if m in sys.modules])"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter on a fixed script
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_the_import_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "offending_import"),
    [
        ("domain/leak.py", "import todo_service.adapters.memory"),
        ("domain/leak.py", "import todo_service.application"),
        ("application/leak.py", "import todo_service.entrypoints"),
        ("application/leak.py", "import sqlalchemy"),
        ("adapters/memory/leak.py", "import todo_service.adapters.system"),
        ("adapters/memory/leak.py", "import domain"),
    ],
)
def test_the_import_contracts_catch_an_outward_import(
    tmp_path: Path, module: str, offending_import: str
) -> None:
    for path in ("domain", "application", "adapters", "entrypoints", "todo_service"):
        shutil.copytree(
            ROOT / path, tmp_path / path, symlinks=True, ignore=shutil.ignore_patterns("*.pyc")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    assert _lint_imports(tmp_path).returncode == 0
    (tmp_path / module).write_text(offending_import + "\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
