from fastapi.routing import APIRoute


def operation_id(route: APIRoute) -> str:
    """An operation's id in the OpenAPI document: its route function's name in camelCase
    (`list_todos` → `listTodos`), what generated clients name their calls after.

    FastAPI's own ids (`list_todos_api_todos_get`) read badly in a client; these stay
    put while a path changes. Two routes with one function name would share an id:
    FastAPI warns of that, and the suite treats the warning as an error.
    """
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)
