"""Walks /openapi.json: what the docs page shows for every operation is complete."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from todo_service.entrypoints.http.problems.details import PROBLEM_JSON
from todo_service.entrypoints.storage import MemoryStorage, Storage

Operation = dict[str, Any]
PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture
def storage() -> Storage:
    return MemoryStorage()


@pytest.fixture
def schema(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, Operation]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", path, operation


def expected_errors(path: str, operation: Operation) -> set[str]:
    """The error statuses an operation must document, read from its shape."""
    if not path.startswith("/api/"):
        return set(operation["responses"]) & {"503"}
    parameters = operation.get("parameters", [])
    errors = {"401", "403", "503"}
    if path.startswith("/api/todos"):
        errors.add("429")
    if parameters or "requestBody" in operation:
        errors.add("422")
    if any(parameter["in"] == "path" for parameter in parameters):
        errors.add("404")
    if any(parameter["name"].lower() == "if-match" for parameter in parameters):
        errors.add("412")
    if "requestBody" in operation:
        errors.add("413")
    return errors


def resolve(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    result: dict[str, Any] = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return result


def test_every_operation_documents_the_error_statuses_its_shape_allows(
    schema: dict[str, Any],
) -> None:
    missing = {
        name: sorted(expected_errors(path, operation) - set(operation["responses"]))
        for name, path, operation in operations(schema)
    }

    assert {name: codes for name, codes in missing.items() if codes} == {}


def test_every_error_response_is_problem_json_with_the_problem_schema_and_an_example(
    schema: dict[str, Any],
) -> None:
    for name, _, operation in operations(schema):
        for code, response in operation["responses"].items():
            if int(code) < 400:
                continue
            assert response["description"], (name, code)
            assert list(response["content"]) == [PROBLEM_JSON], (name, code)
            content = response["content"][PROBLEM_JSON]
            assert content["schema"] == {"$ref": PROBLEM_REF}, (name, code)
            assert content["example"]["status"] == int(code), (name, code)


def test_the_api_documents_401_404_412_413_422_and_503_somewhere(schema: dict[str, Any]) -> None:
    documented = {code for _, _, op in operations(schema) for code in op["responses"]}

    assert {"401", "404", "412", "413", "422", "503"} <= documented


def test_every_success_body_has_a_whole_example_nulls_included(schema: dict[str, Any]) -> None:
    for name, _, operation in operations(schema):
        for code, response in operation["responses"].items():
            if not code.startswith("2") or code == "204":
                continue
            if "text/event-stream" in response["content"]:
                assert response["content"]["text/event-stream"]["example"], (name, code)
                continue
            content = response["content"]["application/json"]
            model = resolve(schema, content["schema"]["$ref"])
            assert set(model["required"]) <= set(content["example"]), (name, code)


def test_every_request_body_and_path_parameter_comes_with_examples(schema: dict[str, Any]) -> None:
    for name, _, operation in operations(schema):
        if "requestBody" in operation:
            examples = operation["requestBody"]["content"]["application/json"]["examples"]
            assert all(example["value"] is not None for example in examples.values()), name
            assert examples, name
        for parameter in operation.get("parameters", []):
            if parameter["in"] in {"path", "header"}:
                assert parameter["schema"].get("examples"), (name, parameter["name"])


def test_an_example_that_clears_a_field_keeps_its_null(schema: dict[str, Any]) -> None:
    body = schema["paths"]["/api/todos/{todo_id}"]["patch"]["requestBody"]
    values = [
        example["value"] for example in body["content"]["application/json"]["examples"].values()
    ]

    assert {"due_at": None} in values


def test_the_bearer_scheme_lets_the_authorize_button_take_a_jwt(schema: dict[str, Any]) -> None:
    scheme = schema["components"]["securitySchemes"]["bearer"]

    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")


def test_every_operation_has_the_stable_camel_case_id_of_its_route_function(
    schema: dict[str, Any],
) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(schema)]

    # Generated clients name their calls after these: renaming one breaks them.
    assert sorted(ids) == [
        "checkLiveness",
        "checkReadiness",
        "createTodo",
        "deleteTodo",
        "deleteTodos",
        "getCurrentUser",
        "getTodo",
        "listTodos",
        "moveTodo",
        "streamTodos",
        "syncTodos",
        "toggleTodo",
        "updateTodo",
        "updateTodos",
    ]
    assert all(re.fullmatch(r"[a-z]+([A-Z][a-z]+)*", operation_id) for operation_id in ids)


@pytest.mark.parametrize("path", ["/api/todos", "/api/todos/{todo_id}"])
def test_both_reads_document_if_none_match_its_bodiless_304_and_their_etag(
    schema: dict[str, Any], path: str
) -> None:
    operation = schema["paths"][path]["get"]
    responses = operation["responses"]

    assert "if-none-match" in [parameter["name"] for parameter in operation["parameters"]]
    assert "content" not in responses["304"]
    assert responses["304"]["headers"]["ETag"]["required"] is True
    assert responses["200"]["headers"]["ETag"]["required"] is True
