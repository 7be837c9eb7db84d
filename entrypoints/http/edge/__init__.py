"""The layers that run before FastAPI: each refuses one kind of request or adds one thing
to every answer, at a cost far below routing and dependency solving.

Outermost first, as `EdgeFirstFastAPI.build_middleware_stack` (app.py) declares them:
`connection_guard` (installed by the server on each connection, not in the stack),
`response_headers`, `request_log`, `cors_preflight`, `body_limit`, `bearer_gate`.
`recent_refusals` is the bearer gate's memory; `accept_errors` summarizes what the
listening socket could not accept.
"""
