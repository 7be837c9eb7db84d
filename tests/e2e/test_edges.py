from collections.abc import Iterator
from typing import Any, NoReturn

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from tests.e2e.conftest import JWT_SECRET, Headers
from todo_service.adapters.sql import DatabaseProblem
from todo_service.application import ConcurrentUpdateError, StorageUnavailableError
from todo_service.application.ports import UnitOfWork
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import create_app
from todo_service.entrypoints.http.request_limits import MAX_BODY_BYTES
from todo_service.entrypoints.storage import MemoryStorage

PROBLEM_JSON = "application/problem+json"


class UnreachableStorage(MemoryStorage):
    def unit_of_work(self) -> UnitOfWork:
        raise StorageUnavailableError

    def problem(self) -> DatabaseProblem | None:
        return DatabaseProblem("Connection refused", misconfigured=False)


def _raise(error: Exception) -> Any:
    def use_case(*args: object) -> NoReturn:
        raise error

    return providers.Object(use_case)


def test_an_unknown_route_is_a_problem_404(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Not Found"


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/healthz", "GET"),
        ("/api/todos", "DELETE, GET, PATCH, POST"),
        ("/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10", "DELETE, GET, PATCH"),
    ],
)
def test_a_wrong_method_is_a_problem_405_allowing_every_method_of_the_path(
    client: TestClient, path: str, allow: str
) -> None:
    response = client.put(path)
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["allow"] == allow


def test_a_body_declared_over_64_kib_is_413_before_authentication(client: TestClient) -> None:
    body = b'{"title": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = client.post("/api/todos", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON


def test_a_chunked_body_over_64_kib_is_413(client: TestClient, alice: Headers) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(MAX_BODY_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    headers = {**alice, "Content-Type": "application/json"}
    response = client.post("/api/todos", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    assert client.get("/api/todos", headers=alice).json()["total"] == 0


def test_a_body_of_exactly_64_kib_is_read(client: TestClient, alice: Headers) -> None:
    prefix, suffix = b'{"title": "a", "description": "', b'"}'
    body = prefix + b"d" * (MAX_BODY_BYTES - len(prefix) - len(suffix)) + suffix
    headers = {**alice, "Content-Type": "application/json"}
    response = client.post("/api/todos", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "description"]


def test_a_todo_that_keeps_changing_under_a_write_is_409(
    container: Container, client: TestClient, alice: Headers
) -> None:
    container.toggle_todo.override(_raise(ConcurrentUpdateError()))
    response = client.post(
        "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10/toggle-complete", headers=alice
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON


def test_an_unexpected_error_is_a_500_problem_without_details(
    container: Container, alice: Headers
) -> None:
    container.list_todos.override(_raise(RuntimeError(f"leaked {JWT_SECRET}")))
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        response = client.get("/api/todos", headers=alice)
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred",
    }


def test_liveness_needs_no_token_and_no_database(container: Container) -> None:
    container.storage.override(providers.Object(UnreachableStorage()))
    with TestClient(create_app(container)) as client:
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readiness_is_200_while_the_database_answers(client: TestClient) -> None:
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


def test_an_unreachable_database_is_503_with_retry_after_for_readiness_and_the_api(
    container: Container, alice: Headers
) -> None:
    container.storage.override(providers.Object(UnreachableStorage()))
    with TestClient(create_app(container)) as client:
        responses = [client.get("/readyz"), client.get("/api/todos", headers=alice)]
    for response in responses:
        assert response.status_code == 503
        assert response.headers["retry-after"].isdigit()
        assert response.headers["content-type"] == PROBLEM_JSON


class TestOpenApi:
    @pytest.fixture
    def schema(self, client: TestClient) -> dict[str, Any]:
        response = client.get("/openapi.json")
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    def test_every_operation_has_a_summary_a_description_and_a_success_example(
        self, schema: dict[str, Any]
    ) -> None:
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                where = f"{method.upper()} {path}"
                assert operation.get("summary"), where
                assert operation.get("description"), where

    def test_every_api_operation_documents_its_errors_as_problem_json(
        self, schema: dict[str, Any]
    ) -> None:
        for path, item in schema["paths"].items():
            if not path.startswith("/api/"):
                continue
            for method, operation in item.items():
                responses = operation["responses"]
                assert {"401", "403", "503"} <= set(responses), f"{method} {path}"
                for code, response in responses.items():
                    if int(code) >= 400:
                        assert list(response["content"]) == [PROBLEM_JSON], (method, path, code)
                        assert response["content"][PROBLEM_JSON]["example"]["status"] == int(code)

    def test_every_api_operation_requires_the_bearer_scheme(self, schema: dict[str, Any]) -> None:
        assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        for path, item in schema["paths"].items():
            for operation in item.values():
                assert (operation.get("security") == [{"bearer": []}]) == path.startswith("/api/")

    def test_every_schema_field_is_described_with_an_example(self, schema: dict[str, Any]) -> None:
        models = ["TodoCreate", "TodoPatch", "TodoOut", "TodoPageOut", "UserOut", "Problem"]
        for name in models:
            for field, spec in schema["components"]["schemas"][name]["properties"].items():
                assert spec.get("description"), f"{name}.{field}"
        for name in ["TodoCreate", "TodoPatch", "TodoOut", "UserOut"]:
            for field, spec in schema["components"]["schemas"][name]["properties"].items():
                assert "examples" in spec, f"{name}.{field}"

    def test_the_write_bodies_carry_request_examples(self, schema: dict[str, Any]) -> None:
        for path, method in [("/api/todos", "post"), ("/api/todos/{todo_id}", "patch")]:
            body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
            assert body["examples"]
