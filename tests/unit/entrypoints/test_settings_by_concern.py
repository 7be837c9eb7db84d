"""The settings are one small model per concern, composed by inheritance into the two
classes callers use: every field in exactly one concern, each read from its flat variable,
and every concern's validators still at work in the composed classes."""

import pytest
from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings

from todo_service.entrypoints.settings import (
    SERVER_CONCERNS,
    SERVICE_CONCERNS,
    ObservabilitySettings,
    ServiceSettings,
    Settings,
    one_line,
)

CONCERNS = SERVICE_CONCERNS + SERVER_CONCERNS


def _fields(*concerns: type[BaseModel]) -> list[str]:
    return [name for concern in concerns for name in concern.model_fields]


def test_every_setting_belongs_to_exactly_one_concern() -> None:
    owners = {
        name: [c.__name__ for c in CONCERNS if name in c.model_fields]
        for name in Settings.model_fields
    }
    assert {name: found for name, found in owners.items() if len(found) != 1} == {}
    assert len(_fields(*CONCERNS)) == len(set(_fields(*CONCERNS)))


def test_the_settings_list_the_concerns_fields_in_the_concerns_order() -> None:
    # `todo serve --help` and the README's tables follow this order.
    assert list(ServiceSettings.model_fields) == _fields(*SERVICE_CONCERNS)
    assert list(Settings.model_fields) == _fields(*CONCERNS)


def test_the_service_holds_the_service_concerns_and_the_server_adds_its_own() -> None:
    assert set(ServiceSettings.__bases__) == set(SERVICE_CONCERNS)
    assert set(Settings.__bases__) == {*SERVER_CONCERNS, ServiceSettings, BaseSettings}
    for concern in SERVER_CONCERNS:
        assert not issubclass(ServiceSettings, concern)


def test_the_service_settings_refuse_the_servers_own() -> None:
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(port=8080)  # type: ignore[call-arg]
    assert one_line(refused.value, as_variables=False) == "port: Extra inputs are not permitted"


@pytest.mark.parametrize("concern", CONCERNS, ids=lambda concern: concern.__name__)
def test_each_field_is_composed_unchanged(concern: type[BaseModel]) -> None:
    for name, field in concern.model_fields.items():
        assert repr(Settings.model_fields[name]) == repr(field), name
        assert Settings.model_fields[name].annotation == field.annotation, name


@pytest.mark.parametrize("concern", CONCERNS, ids=lambda concern: concern.__name__)
def test_each_concerns_validators_survive_the_composition(concern: type[BaseModel]) -> None:
    """A validator named like another concern's would silently replace it."""
    composed = Settings.__pydantic_decorators__.field_validators
    for name, validator in concern.__pydantic_decorators__.field_validators.items():
        assert name in composed, name
        # The composed class holds a copy bound to it: the same function, from this concern.
        qualname = getattr(composed[name].func, "__qualname__", None)
        assert qualname == f"{concern.__name__}.{name}", name
        assert composed[name].info == validator.info, name


@pytest.mark.parametrize(
    ("variable", "value", "concern"),
    [
        ("DATABASE_URL", "memory://", "DatabaseSettings"),
        ("JWT_ISSUER", "https://issuer.example.com/", "TokenSettings"),
        ("RATE_LIMIT_REDIS_PREFIX", "todo:other", "LimitSettings"),
        ("PUBLIC_BASE_URL", "https://todo.example.com", "EdgeSettings"),
        ("METRICS_HOST", "127.0.0.2", "ObservabilitySettings"),
    ],
)
def test_each_concern_is_read_from_its_flat_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, concern: str
) -> None:
    assert variable.lower() in next(c for c in CONCERNS if c.__name__ == concern).model_fields
    monkeypatch.setenv(variable, value)
    assert getattr(Settings(), variable.lower()) == value


def test_a_check_across_concerns_runs_on_the_composed_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # METRICS_PORT (observability) against PORT (the HTTP edge): the check needs both.
    assert ObservabilitySettings(metrics_port=9100).metrics_port == 9100
    monkeypatch.setenv("PORT", "9100")
    monkeypatch.setenv("METRICS_PORT", "9100")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert one_line(refused.value) == (
        "METRICS_PORT: Value error, must differ from PORT: the metrics are served apart "
        "from the API"
    )
    monkeypatch.setenv("METRICS_PORT", "9101")
    assert (Settings().port, Settings().metrics_port) == (9100, 9101)
