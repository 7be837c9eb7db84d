"""What an app does to its process when it serves (`todo serve`), and only then."""

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import make_settings
from todo_service.entrypoints.bootstrap import build_container
from todo_service.entrypoints.http.app import create_app
from todo_service.entrypoints.http.serving.server import GC_THRESHOLDS


@pytest.fixture
def pristine_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("pristine_collector")
@pytest.mark.parametrize("serving", [True, False])
def test_a_serving_app_keeps_its_start_up_heap_out_of_the_garbage_collectors_sight(
    serving: bool,
) -> None:
    gc.unfreeze()
    container = build_container(make_settings(), on_event_loop=serving)
    with TestClient(create_app(container)) as client:
        assert client.get("/healthz").status_code == 200
        frozen, thresholds = gc.get_freeze_count(), gc.get_threshold()
    if serving:
        assert frozen > 0
        assert thresholds == GC_THRESHOLDS
    else:
        assert frozen == 0
        assert thresholds != GC_THRESHOLDS
