from pathlib import Path

from tests.clients.journey import TRANSCRIPT, take_journey
from tests.support.live_service import ServiceProcess

JOURNEY = Path(__file__).with_name("python_journey.py")


def test_the_generated_python_client_takes_a_todo_through_its_life(
    python_generator: Path, python_client: Path, service: ServiceProcess, tmp_path: Path
) -> None:
    command = [python_generator / "python", JOURNEY]
    transcript = take_journey(
        command, service, "python-client", tmp_path, PYTHONPATH=str(python_client)
    )

    assert transcript == TRANSCRIPT
