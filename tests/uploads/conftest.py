"""The tus side of a resumable submission, over Flask's test client."""

from __future__ import annotations

import pytest

from tests.support.tus import Tus


@pytest.fixture
def tus(client):
    return lambda headers: Tus(client, headers)
