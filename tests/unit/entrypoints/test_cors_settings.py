"""CORS_ALLOW_ORIGINS: off unless set, exact origins only, and one clear line when one is not."""

import pytest
from pydantic import ValidationError

from todo_service.entrypoints.cli import main
from todo_service.entrypoints.http.edge.cors_preflight import CorsPolicy
from todo_service.entrypoints.settings import Settings, one_line


@pytest.mark.parametrize("value", [None, "", " , "])
def test_cors_is_off_unless_origins_are_set(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("CORS_ALLOW_ORIGINS", value)
    assert Settings().cors_allow_origins == ()
    assert CorsPolicy.from_settings(Settings()) is None


def test_the_policy_holds_each_listed_origin_and_the_max_age(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "CORS_ALLOW_ORIGINS", "https://app.example.com, http://localhost:5173,http://[::1]:8080"
    )
    monkeypatch.setenv("CORS_MAX_AGE_SECONDS", "120")
    sut = CorsPolicy.from_settings(Settings())
    assert sut == CorsPolicy(
        frozenset({"https://app.example.com", "http://localhost:5173", "http://[::1]:8080"}),
        max_age_seconds=120,
    )


def test_a_preflight_is_remembered_for_ten_minutes_by_default() -> None:
    assert Settings().cors_max_age_seconds == 600


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("*", "`*` is refused"),
        ("https://app.example.com/", "is not an origin"),
        ("https://app.example.com/app", "is not an origin"),
        ("https://app.example.com?next=1", "is not an origin"),
        ("https://user@app.example.com", "is not an origin"),
        ("app.example.com", "is not an origin"),
        ("null", "is not an origin"),
        ("ftp://app.example.com", "is not an origin"),
        ("HTTPS://App.Example.com", "is not an origin"),
        ("https://app.example.com:443", "is not an origin"),
        ("http://app.example.com:80", "is not an origin"),
        ("https://app.example.com:65536", "has a port past 65535"),
        ("https://app.example.com, https://app.example.com\n/", "is not an origin"),
    ],
)
def test_anything_but_an_exact_origin_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    line = one_line(refused.value)
    assert line.startswith("CORS_ALLOW_ORIGINS: Value error, ")
    assert message in line
    assert "\n" not in line


@pytest.mark.parametrize(("value", "bound"), [("-1", "greater than"), ("86401", "less than")])
def test_a_max_age_out_of_bounds_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str, bound: str
) -> None:
    monkeypatch.setenv("CORS_MAX_AGE_SECONDS", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert one_line(refused.value).startswith(f"CORS_MAX_AGE_SECONDS: Input should be {bound}")


def test_serving_with_a_wildcard_origin_stops_with_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://app.example.com,*")
    assert main(["serve"]) == 2
    output = capsys.readouterr()
    assert output.err.startswith("todo: configuration error: CORS_ALLOW_ORIGINS: ")
    assert output.err.count("\n") == 1
