"""Every number the service reads has both bounds, checked before anything starts.

A number that passes validation and then fails at run time (a timedelta that overflows,
an infinite cache lifetime) must stop start-up instead, with one line and exit status 2.
"""

import math
import types
from typing import Any, Union, get_args, get_origin

import annotated_types
import pytest
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from todo_service.entrypoints.cli import main
from todo_service.entrypoints.settings import ServiceSettings, Settings

SECRET = "a-shared-secret-of-at-least-32-bytes"


def _number_type(field: FieldInfo) -> type | None:
    """int or float when the field holds a number (alone or optional), else None."""
    annotation = field.annotation
    is_union = get_origin(annotation) in (Union, types.UnionType)
    candidates = get_args(annotation) if is_union else (annotation,)
    numbers = [c for c in candidates if c in (int, float)]  # bool is not int here: exact match
    return numbers[0] if numbers else None


def _numeric_fields() -> dict[str, FieldInfo]:
    fields = {**ServiceSettings.model_fields, **Settings.model_fields}
    return {name: field for name, field in fields.items() if _number_type(field) is not None}


def _bound(field: FieldInfo, *names: str) -> Any:
    """The value of the field's first constraint named `names` (`le`, `lt`...), else None."""
    for constraint in field.metadata:
        for name in names:
            if isinstance(constraint, annotated_types.BaseMetadata) and hasattr(constraint, name):
                return getattr(constraint, name)
    return None


def _upper(field: FieldInfo) -> Any:
    return _bound(field, "le", "lt")


def _lower(field: FieldInfo) -> Any:
    return _bound(field, "ge", "gt")


def _settings(name: str, value: Any) -> Settings:
    given: dict[str, Any] = {name: value}
    return Settings(_env_file=None, **given)


def test_the_settings_have_numbers_to_check() -> None:
    assert {"database_pool_size", "user_cache_seconds", "port"} <= set(_numeric_fields())


def test_every_numeric_setting_has_a_lower_and_an_upper_bound() -> None:
    unbounded = [
        name
        for name, field in _numeric_fields().items()
        if _lower(field) is None or _upper(field) is None
    ]
    assert unbounded == [], f"numeric settings without both bounds: {unbounded}"


@pytest.mark.parametrize("name", sorted(_numeric_fields()))
def test_a_value_past_either_bound_is_refused(name: str) -> None:
    field = _numeric_fields()[name]
    step = 1 if _number_type(field) is int else 0.001
    for value in (_upper(field) + step, _lower(field) - step):
        with pytest.raises(ValidationError, match=name):
            _settings(name, value)


@pytest.mark.parametrize(
    "name",
    sorted(name for name, field in _numeric_fields().items() if _number_type(field) is float),
)
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_float_setting_refuses_infinity_and_nan(name: str, value: float) -> None:
    with pytest.raises(ValidationError, match=name):
        _settings(name, value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("USER_CACHE_SECONDS", "inf"),
        ("USER_CACHE_SECONDS", "1e9"),
        ("IDEMPOTENCY_TTL_SECONDS", "300000000000"),
        ("IDEMPOTENCY_TTL_SECONDS", "100000000000000"),
        ("DATABASE_POOL_TIMEOUT_SECONDS", "nan"),
    ],
)
def test_a_number_out_of_bounds_stops_serve_with_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("DATABASE_URL", "memory://")
    monkeypatch.setenv(variable, value)

    assert main(["serve"]) == 2

    output = capsys.readouterr()
    assert output.out == ""
    assert output.err.startswith(f"todo: configuration error: {variable}: ")
    assert output.err.count("\n") == 1
