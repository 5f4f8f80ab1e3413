"""Fixtures shared by every test folder."""

from __future__ import annotations

import pytest

from sms_hook import contract as contract_module
from sms_hook.contract import Contract

TEST_SECRET = "12345ABCDE"  # the documentation's published test key


@pytest.fixture(scope="session")
def contract() -> Contract:
    return contract_module.load()


@pytest.fixture
def secret() -> str:
    return TEST_SECRET
