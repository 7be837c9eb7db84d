"""Real identity providers (Better Auth, node oidc-provider), one of each per module.

Their packages come from npm once, into tests/providers/.cache (git-ignored); without
node, npm or the registry these tests are skipped, or fail with
TODO_REQUIRE_PROVIDERS=1 (CI). In a parallel run they all go to one worker, one after
another (tests/support/xdist_groups.py), so each module's providers are started once.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.providers.providers import (
    PROVIDER_TOOLS_MISSING,
    BetterAuth,
    OidcProvider,
    installed_programs,
)
from tests.providers.service import TrustingService, trusting_service
from tests.support.tool_cache import ToolsUnavailableError
from tests.support.unavailable import unavailable

# The API the oidc-provider's tokens are for (their `aud`), and another API of its.
THIS_API = "https://todos.example.test/api"
OTHER_API = "https://reports.example.test/api"


@pytest.fixture(scope="session")
def provider_programs() -> Path:
    try:
        return installed_programs()
    except ToolsUnavailableError as error:
        unavailable(f"{PROVIDER_TOOLS_MISSING} ({error})", required_by="TODO_REQUIRE_PROVIDERS")


@pytest.fixture(scope="module")
def better_auth(provider_programs: Path) -> Iterator[BetterAuth]:
    """Better Auth at its default paths: JWKS at <origin>/api/auth/jwks."""
    server = BetterAuth(provider_programs)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def oidc_provider(
    provider_programs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OidcProvider]:
    key_file = tmp_path_factory.mktemp("oidc-provider") / "signing-key.json"
    server = OidcProvider(provider_programs, THIS_API, OTHER_API, key_file)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def service(
    service_settings: dict[str, str],
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TrustingService]:
    """The module's `todo serve`, configured with the module's `service_settings`."""
    folder = tmp_path_factory.mktemp("service")
    with trusting_service(sqlite_template, folder, **service_settings) as live:
        yield live
