import shutil
from pathlib import Path

from tests.clients.journey import TRANSCRIPT, take_journey
from tests.support.live_service import ServiceProcess


def test_an_openapi_fetch_program_compiled_strictly_against_the_generated_types_works(
    typescript_program: Path, service: ServiceProcess
) -> None:
    node = shutil.which("node") or "node"
    transcript = take_journey(
        [node, typescript_program], service, "typescript-client", typescript_program.parent
    )

    assert transcript == TRANSCRIPT
