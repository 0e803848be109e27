"""Double-entry rules: every movement balances, and balances are only ever derived."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.ledger import rules
from backend.ledger.rules import Entry, Unbalanced


def test_an_approval_moves_the_reward_from_the_campaign_to_the_worker():
    entries = rules.approval(campaign_id="c1", worker_id="w1", reward_minor=600, currency="EUR")
    assert entries == [Entry("campaign:c1", -600, "EUR"), Entry("worker:w1", 600, "EUR")]


@pytest.mark.parametrize(
    ("entries", "why"),
    [
        ([Entry("a", 5, "EUR")], "at least two"),
        ([Entry("a", 5, "EUR"), Entry("b", -4, "EUR")], "sum to zero"),
        ([Entry("a", 5, "EUR"), Entry("b", -5, "USD")], "sum to zero"),
        ([Entry("a", 0, "EUR"), Entry("b", 0, "EUR")], "moves money"),
        ([Entry("a", 1.5, "EUR"), Entry("b", -1.5, "EUR")], "whole minor units"),
        ([Entry("a", 5, "eur"), Entry("b", -5, "eur")], "currency"),
    ],
)
def test_malformed_transactions_are_refused(entries, why):
    with pytest.raises(Unbalanced, match=why):
        rules.check_balanced(entries)


def test_movements_are_of_positive_amounts():
    with pytest.raises(Unbalanced, match="positive"):
        rules.payout_request(worker_id="w", amount_minor=0, currency="EUR")


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["fund", "approve", "request", "settle"]),
        st.sampled_from(["w1", "w2"]),
        st.integers(min_value=1, max_value=5_000),
    ),
    max_size=60,
)


@given(STEPS)
def test_any_history_of_movements_keeps_every_invariant(steps):
    ledger: list[list[Entry]] = []
    for kind, worker, amount in steps:
        totals = rules.balances(e for txn in ledger for e in txn)
        budget = totals.get(("campaign:c", "EUR"), 0)
        owed = totals.get((f"worker:{worker}", "EUR"), 0)
        transit = totals.get((rules.IN_TRANSIT, "EUR"), 0)
        if kind == "fund":
            ledger.append(rules.funding(campaign_id="c", amount_minor=amount, currency="EUR"))
        elif kind == "approve" and budget >= amount:
            ledger.append(
                rules.approval(
                    campaign_id="c", worker_id=worker, reward_minor=amount, currency="EUR"
                )
            )
        elif kind == "request" and owed > 0:
            ledger.append(rules.payout_request(worker_id=worker, amount_minor=owed, currency="EUR"))
        elif kind == "settle" and transit > 0:
            ledger.append(rules.payout_settled(amount_minor=transit, currency="EUR"))
    for txn in ledger:
        rules.check_balanced(txn)
    totals = rules.balances(e for txn in ledger for e in txn)
    assert sum(totals.values()) == 0  # money is only ever moved, never made
    assert rules.overdrawn(totals) == []
    credited = sum(
        e.amount_minor
        for txn in ledger
        for e in txn
        if e.account.startswith("worker:") and e.amount_minor > 0
    )
    paid_out = sum(
        e.amount_minor
        for txn in ledger
        for e in txn
        if e.account == rules.BANK and e.amount_minor > 0
    )
    assert paid_out <= credited


def test_only_the_bank_and_the_platform_may_go_below_zero():
    totals = {("bank", "EUR"): -100, ("platform", "EUR"): -1, ("worker:w", "EUR"): -1}
    assert rules.overdrawn(totals) == [("worker:w", "EUR")]
