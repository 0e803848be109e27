"""What an approval pays: one pure rule that settlement credits and the worker's notice names."""

from __future__ import annotations

import pytest

from backend.submissions.rules import STORE_CLOSED, approval_pay_minor


@pytest.mark.parametrize("outcome", [None, "done", "out_of_stock_everywhere"])
def test_an_approval_pays_the_reward_and_bonus(outcome: str | None) -> None:
    pay = approval_pay_minor(outcome=outcome, pay_minor=650, show_up_minor=200, mission_id="m")
    assert pay == 650


def test_a_closed_store_pays_the_show_up_pay() -> None:
    pay = approval_pay_minor(outcome=STORE_CLOSED, pay_minor=650, show_up_minor=200, mission_id="m")
    assert pay == 200


def test_a_closed_store_without_show_up_pay_is_an_error_not_a_zero() -> None:
    with pytest.raises(RuntimeError, match="m-1"):
        approval_pay_minor(
            outcome=STORE_CLOSED, pay_minor=650, show_up_minor=None, mission_id="m-1"
        )
