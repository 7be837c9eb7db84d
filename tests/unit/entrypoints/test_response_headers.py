"""The outermost layer's headers reach answers no route gives: a 304, the edge's own 500."""

from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from todo_service.entrypoints.http.edge.cors_preflight import CorsPolicy
from todo_service.entrypoints.http.edge.request_log import RequestLogMiddleware
from todo_service.entrypoints.http.edge.response_headers import ResponseHeadersMiddleware

ORIGIN = "https://app.example.com"
POLICY = CorsPolicy(frozenset({ORIGIN}))


async def not_modified(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", b'"3"')]})
    await send({"type": "http.response.body", "body": b""})


async def failing_before_answering(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("no answer")


def test_a_304_carries_the_cors_and_caching_headers() -> None:
    client = TestClient(ResponseHeadersMiddleware(not_modified, POLICY))
    response = client.get("/api/todos/x", headers={"Origin": ORIGIN})
    assert response.status_code == 304
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "ETag" in response.headers["access-control-expose-headers"]
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["vary"] == "Authorization, Origin"


def test_the_500_the_request_log_answers_for_a_failed_app_carries_them_too() -> None:
    stack = ResponseHeadersMiddleware(RequestLogMiddleware(failing_before_answering), POLICY)
    client = TestClient(stack, raise_server_exceptions=False)
    response = client.get("/api/todos", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]
