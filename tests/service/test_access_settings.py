"""Access settings: API keys are parsed with actionable errors; no open door beyond loopback."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.access import ApiKey, Role, parse_api_keys
from service.settings import Settings


def test_api_keys_setting_explains_what_is_wrong() -> None:
    assert [k.role for k in parse_api_keys("admin:" + "a" * 16 + ", dispatcher:" + "b" * 16)] == [
        Role.ADMIN,
        Role.DISPATCHER,
    ]
    for text, message in (
        ("admin", "no ':'"),
        ("chief:" + "c" * 20, "unknown role 'chief'"),
        ("admin:short", "at least 16 characters"),
        ("admin:" + "d" * 16 + ",dispatcher:" + "d" * 16, "listed twice"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_api_keys(text)
    assert isinstance(parse_api_keys("integration:" + "e" * 16)[0], ApiKey)


def test_serving_beyond_loopback_without_keys_is_refused() -> None:
    with pytest.raises(ValidationError, match="without API keys"):
        Settings(host="0.0.0.0")
    assert Settings(host="0.0.0.0", allow_insecure=True).auth_enabled is False
    assert Settings(host="0.0.0.0", api_keys="admin:" + "f" * 16).auth_enabled
