"""matplotlib is an extra (`fairfield[reports]`): without it the report's figures still
answer, and asking for its chart says how to install it, with no traceback."""

from __future__ import annotations

import sys

import pytest

from tests.support.factories import UserFactory


@pytest.fixture
def no_matplotlib(monkeypatch):
    # A None entry in sys.modules is how Python itself blocks an import.
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def test_the_command_says_how_to_install_the_chart(app, tmp_path, no_matplotlib):
    result = app.test_cli_runner().invoke(args=["fairness-report", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "pip install 'fairfield[reports]'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "report.json").exists()  # refused before any work


def test_the_api_answers_the_figures_and_refuses_the_chart_plainly(
    client, make, auth_headers, no_matplotlib
):
    admin = auth_headers(make(UserFactory, role="admin"))
    assert client.get("/api/v1/admin/fairness", headers=admin).status_code == 200
    refused = client.get("/api/v1/admin/fairness?format=png", headers=admin)
    assert refused.status_code == 501
    assert refused.json["code"] == "chart_unavailable"
    assert "fairfield[reports]" in refused.json["detail"]
