"""Settings reach `--workers` processes through the environment unchanged."""

from __future__ import annotations

import pytest

from mock_server.settings import Settings
from sms_hook.errors import SmsHookError


def test_settings_survive_the_round_trip_through_the_environment() -> None:
    settings = Settings(
        secret="s", tolerance=0, journal="/tmp/j.db", max_body=10, fail_rate=0.25, delay=1.5
    )

    assert Settings.from_env(settings.to_env()) == settings


def test_defaults_survive_the_round_trip_through_the_environment() -> None:
    assert Settings.from_env(Settings().to_env()) == Settings()


def test_an_environment_value_that_is_not_a_number_is_named() -> None:
    with pytest.raises(SmsHookError, match="SMS_HOOK_MOCK_DELAY: 'soon' is not a number"):
        Settings.from_env({"SMS_HOOK_MOCK_DELAY": "soon"})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"fail_rate": 1.5}, "fail rate: 1.5 is not between 0 and 1"),
        ({"delay": 61.0}, "delay: 61 is not between 0 and 60 seconds"),
        ({"tolerance": -1}, "tolerance: -1 is negative"),
    ],
)
def test_values_out_of_range_are_refused(fields: dict[str, float], message: str) -> None:
    with pytest.raises(SmsHookError, match=message):
        Settings(**fields)  # type: ignore[arg-type]  # the fields are right; mypy sees a dict
