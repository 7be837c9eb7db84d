from typing import Any

from dependency_injector import providers
from fastapi import Depends, Request

from todo_service.entrypoints.container import Container


def provided(provider: providers.Provider[Any]) -> Any:
    """A FastAPI dependency on what the app's own container provides for `provider`.

    `provider` is named as a class attribute of Container (`provided(Container.get_todo)`);
    each request asks the container the app was created with, so overrides made in
    tests take effect at once. It is an `async` dependency on purpose: FastAPI runs
    a synchronous one (dependency-injector's `Provide[...]` marker is one) in a worker
    thread, a thread hop per dependency per request for a dictionary lookup.
    """
    name = next(name for name, known in Container.providers.items() if known is provider)

    async def from_the_apps_container(request: Request) -> Any:
        container: Container = request.app.state.container
        return container.providers[name]()

    return Depends(from_the_apps_container)
