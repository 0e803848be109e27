"""Re-derive every balance and invariant of the ledger from the database, in aggregate SQL.

The ledger check (`fairfield ledger check`) reads the ledger against the submissions, missions
and payouts that explain it, so it sits above them all; the ledger itself knows none of them.

Each check is one or two GROUP BY queries whose rows are the discrepancies themselves, so a
healthy ledger of a million entries returns almost nothing to Python. Run them inside one
snapshot (the CLI does) so that a concurrent post cannot look like a discrepancy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.ledger.service import CREDIT, FUNDING, STORE_CLOSED
from backend.missions.models import Mission
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.submissions.models import Decision, Submission

PAYOUT_REQUEST = "payout_request"
PAYOUT_SETTLED = "payout_settled"
UNPAID = ("pending", "batched")

Check = Callable[[Session], list[str]]


def _account(prefix_of: Callable[[str], str], owner_id: Any) -> ColumnElement[str]:
    """`campaign:<id>` or `worker:<id>` built in SQL, from the same rule that posts it."""
    return literal(prefix_of(""), String) + owner_id


def transactions_balance(db_session: Session) -> list[str]:
    """Every transaction has two entries or more, summing to zero in each currency."""
    entries = func.count(LedgerEntry.id)
    few = db_session.execute(
        select(LedgerTransaction.id, LedgerTransaction.kind, entries)
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id, LedgerTransaction.kind)
        .having(entries < 2)
    ).all()
    total = func.sum(LedgerEntry.amount_minor)
    off = db_session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, total)
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(total != 0)
    ).all()
    return [f"transaction {t} ({kind}) has {n} entries, fewer than two" for t, kind, n in few] + [
        f"transaction {t} does not balance: its {cur} entries sum to {s}" for t, cur, s in off
    ]


def entries_well_formed(db_session: Session) -> list[str]:
    """No entry moves nothing, and none hangs off a missing transaction."""
    zero = db_session.scalars(select(LedgerEntry.id).where(LedgerEntry.amount_minor == 0)).all()
    orphans = db_session.scalars(
        select(LedgerEntry.id)
        .outerjoin(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.id.is_(None))
    ).all()
    return [f"entry {e} has amount 0" for e in zero] + [
        f"entry {e} belongs to no transaction" for e in orphans
    ]


def no_overdrawn_accounts(db_session: Session) -> list[str]:
    """Only the bank and the platform may be below zero."""
    total = func.sum(LedgerEntry.amount_minor)
    negative = db_session.execute(
        select(LedgerEntry.account, LedgerEntry.currency, total)
        .group_by(LedgerEntry.account, LedgerEntry.currency)
        .having(total < 0)
    ).all()
    totals = {(account, currency): int(value) for account, currency, value in negative}
    return [
        f"account {account} is overdrawn: {totals[(account, currency)]} {currency}"
        for account, currency in rules.overdrawn(totals)
    ]


def approved_submissions_credited(db_session: Session) -> list[str]:
    """Each approved submission has one credit, and only approved submissions have any."""
    credit = aliased(LedgerTransaction)
    missing = db_session.scalars(
        select(Submission.id)
        .outerjoin(credit, and_(credit.submission_id == Submission.id, credit.kind == CREDIT))
        .where(Submission.status == "approved", credit.id.is_(None))
    ).all()
    credits = func.count(LedgerTransaction.id)
    repeated = db_session.execute(
        select(LedgerTransaction.submission_id, credits)
        .where(LedgerTransaction.kind == CREDIT)
        .group_by(LedgerTransaction.submission_id)
        .having(or_(credits > 1, LedgerTransaction.submission_id.is_(None)))
    ).all()
    unapproved = db_session.execute(
        select(LedgerTransaction.id, Submission.id, Submission.status)
        .join(Submission, Submission.id == LedgerTransaction.submission_id)
        .where(LedgerTransaction.kind == CREDIT, Submission.status != "approved")
    ).all()
    return (
        [f"submission {s} is approved but was never credited" for s in missing]
        + [
            f"{n} credits name no submission" if s is None else f"submission {s} has {n} credits"
            for s, n in repeated
        ]
        + [f"credit {t} pays submission {s}, which is {status}" for t, s, status in unapproved]
    )


def _platform_paid() -> Any:
    """The transactions that take money from the platform (repeat approvals' credits), each
    once: one pass over the platform account's few entries, joined where needed, rather than
    a lookup per credit."""
    return (
        select(LedgerEntry.transaction_id.label("transaction_id"))
        .where(LedgerEntry.account == rules.PLATFORM, LedgerEntry.amount_minor < 0)
        .group_by(LedgerEntry.transaction_id)
        .subquery()
    )


def _last_funded() -> Any:
    """When each campaign was last funded (publishing, a raise, a reopen, new stores), by
    campaign id: one grouped pass over the few funding transactions, so that a credit joins
    it on its mission's campaign id rather than on an account string built per row."""
    prefix = rules.campaign_account("")
    campaign_id = func.substr(LedgerEntry.account, len(prefix) + 1)
    return (
        select(
            campaign_id.label("campaign_id"),
            func.max(LedgerTransaction.created_at).label("at"),
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerTransaction.kind == FUNDING,
            LedgerEntry.amount_minor > 0,
            func.substr(LedgerEntry.account, 1, len(prefix)) == prefix,
        )
        .group_by(campaign_id)
        .subquery()
    )


def credits_pay_the_reward(db_session: Session) -> list[str]:
    """A credit moves the figures its mission had when it was approved from the campaign (or,
    for a repeat approval, the platform) to the worker, nothing else: the reward and bonus,
    or for a closed store the show-up pay (kept on the mission when paid).

    Those are the mission's figures today unless its campaign was funded again since the
    credit: a raise or a reopen lifts figures only then, and only upwards (campaigns.rewards),
    so a credit of no more than today's figures is the one that was in force."""
    current = case(
        (Submission.outcome == STORE_CLOSED, Mission.show_up_minor),
        else_=Mission.reward_amount_minor + Mission.bonus_minor,
    )
    paid = (
        select(func.max(LedgerEntry.amount_minor))
        .where(
            LedgerEntry.transaction_id == LedgerTransaction.id,
            LedgerEntry.account == _account(rules.worker_account, Submission.worker_id),
        )
        .scalar_subquery()
    )
    last_funded = _last_funded()
    platform_paid = _platform_paid()
    # CASE evaluates its branches lazily: the credit's own amount is read only for a credit
    # its campaign was funded after, so the usual ledger costs no extra lookup per credit.
    amount = case(
        (
            last_funded.c.at > LedgerTransaction.created_at,
            case((and_(paid > 0, paid <= current), paid), else_=current),
        ),
        else_=current,
    )
    source = case(
        (platform_paid.c.transaction_id.is_not(None), literal(rules.PLATFORM, String)),
        else_=_account(rules.campaign_account, Mission.campaign_id),
    )
    expected = (
        select(
            LedgerTransaction.id.label("transaction_id"),
            literal(CREDIT, String).label("kind"),
            (literal("submission ", String) + Submission.id).label("owner"),
            source.label("source"),
            _account(rules.worker_account, Submission.worker_id).label("target"),
            amount.label("amount"),
            Mission.reward_currency.label("currency"),
        )
        .join(Submission, Submission.id == LedgerTransaction.submission_id)
        .join(Mission, Mission.id == Submission.mission_id)
        .outerjoin(last_funded, last_funded.c.campaign_id == Mission.campaign_id)
        .outerjoin(platform_paid, platform_paid.c.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.kind == CREDIT)
    )
    return _movement_mismatches(db_session, expected)


def platform_pays_only_repeats(db_session: Session) -> list[str]:
    """The platform pays a credit only for a repeat approval: another of the mission's
    submissions was credited, and one of the two was rejected once (ledger.service)."""
    this, other = aliased(Submission), aliased(Submission)
    other_credit = aliased(LedgerTransaction)

    def rejected(submission: Any) -> ColumnElement[bool]:
        # Correlated by name: nested two levels down, `this` would otherwise be taken as a
        # FROM of its own, and any rejection anywhere would pass.
        return (
            select(Decision.id)
            .where(Decision.submission_id == submission.id, Decision.status == "rejected")
            .correlate(submission)
            .exists()
        )

    repeat = (
        select(other.id)
        .join(
            other_credit,
            and_(other_credit.submission_id == other.id, other_credit.kind == CREDIT),
        )
        .where(
            other.mission_id == this.mission_id,
            other.id != this.id,
            or_(rejected(this), rejected(other)),
        )
        .exists()
    )
    platform_paid = _platform_paid()
    rows = db_session.execute(
        select(LedgerTransaction.id, this.id)
        .select_from(platform_paid)
        .join(LedgerTransaction, LedgerTransaction.id == platform_paid.c.transaction_id)
        .join(this, this.id == LedgerTransaction.submission_id)
        .where(LedgerTransaction.kind == CREDIT, ~repeat)
    ).all()
    return [
        f"credit {t} pays submission {s} from the platform, but its mission was not paid for "
        "before after a rejection"
        for t, s in rows
    ]


def campaigns_pay_a_store_once(db_session: Session) -> list[str]:
    """A campaign pays for one completed visit per mission; any other is the platform's."""
    charged = func.count(LedgerTransaction.id)
    platform_paid = _platform_paid()
    rows = db_session.execute(
        select(Mission.id, charged)
        .join(Submission, Submission.mission_id == Mission.id)
        .join(
            LedgerTransaction,
            and_(
                LedgerTransaction.submission_id == Submission.id, LedgerTransaction.kind == CREDIT
            ),
        )
        .outerjoin(platform_paid, platform_paid.c.transaction_id == LedgerTransaction.id)
        .where(Submission.outcome != STORE_CLOSED, platform_paid.c.transaction_id.is_(None))
        .group_by(Mission.id)
        .having(charged > 1)
    ).all()
    return [f"mission {m}: its campaign paid {n} completed visits, not one" for m, n in rows]


def payout_requests_posted(db_session: Session) -> list[str]:
    """Each payout request moved exactly its amount from the worker into transit, once."""
    expected = select(
        PayoutRequest.transaction_id,
        literal(PAYOUT_REQUEST, String).label("kind"),
        (literal("payout request ", String) + PayoutRequest.id).label("owner"),
        _account(rules.worker_account, PayoutRequest.worker_id).label("source"),
        literal(rules.IN_TRANSIT, String).label("target"),
        PayoutRequest.amount_minor.label("amount"),
        PayoutRequest.currency,
    )
    return _movement_mismatches(db_session, expected) + _unclaimed(
        db_session, PAYOUT_REQUEST, PayoutRequest.transaction_id
    )


def in_transit_is_unpaid_requests(db_session: Session) -> list[str]:
    """Money in transit, per currency, is what the unpaid requests add up to."""
    in_transit = _per_currency(
        db_session,
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
        .where(LedgerEntry.account == rules.IN_TRANSIT)
        .group_by(LedgerEntry.currency),
    )
    unpaid = _per_currency(
        db_session,
        select(PayoutRequest.currency, func.sum(PayoutRequest.amount_minor))
        .where(PayoutRequest.status.in_(UNPAID))
        .group_by(PayoutRequest.currency),
    )
    return [
        f"{rules.IN_TRANSIT} holds {in_transit.get(c, 0)} {c} but unpaid requests "
        f"add up to {unpaid.get(c, 0)} {c}"
        for c in sorted(set(in_transit) | set(unpaid))
        if in_transit.get(c, 0) != unpaid.get(c, 0)
    ]


def _per_currency(db_session: Session, stmt: Select[str, Any]) -> dict[str, int]:
    return {currency: int(total) for currency, total in db_session.execute(stmt)}


def batches_add_up(db_session: Session) -> list[str]:
    """A batch's total and count are its requests', all in its currency and status."""
    total = func.coalesce(func.sum(PayoutRequest.amount_minor), 0)
    count = func.count(PayoutRequest.id)
    foreign = func.sum(case((PayoutRequest.currency != PayoutBatch.currency, 1), else_=0))
    rows = db_session.execute(
        select(PayoutBatch.id, PayoutBatch.total_minor, PayoutBatch.count, total, count, foreign)
        .outerjoin(PayoutRequest, PayoutRequest.batch_id == PayoutBatch.id)
        .group_by(PayoutBatch.id, PayoutBatch.total_minor, PayoutBatch.count)
        .having(or_(total != PayoutBatch.total_minor, count != PayoutBatch.count, foreign > 0))
    ).all()
    return [
        f"batch {b} says {want_total} in {want_count} requests; its requests add up to "
        f"{got_total} in {got_count}" + (f", {other} in another currency" if other else "")
        for b, want_total, want_count, got_total, got_count, other in rows
    ] + _request_statuses(db_session)


def _request_statuses(db_session: Session) -> list[str]:
    # Pending means not batched yet, batched means in an open batch, paid in a paid batch:
    # in-transit money is only right if the statuses are.
    should_be = case(
        (PayoutRequest.batch_id.is_(None), "pending"),
        (PayoutBatch.status == "paid", "paid"),
        else_="batched",
    )
    rows = db_session.execute(
        select(PayoutRequest.id, PayoutRequest.status, should_be)
        .outerjoin(PayoutBatch, PayoutBatch.id == PayoutRequest.batch_id)
        .where(PayoutRequest.status != should_be)
    ).all()
    return [f"payout request {r} is {status}, its batch says {want}" for r, status, want in rows]


def batches_settled(db_session: Session) -> list[str]:
    """A paid batch was settled by one transit-to-bank transaction of its total; an open
    batch by none."""
    expected = select(
        PayoutBatch.settlement_id.label("transaction_id"),
        literal(PAYOUT_SETTLED, String).label("kind"),
        (literal("paid batch ", String) + PayoutBatch.id).label("owner"),
        literal(rules.IN_TRANSIT, String).label("source"),
        literal(rules.BANK, String).label("target"),
        PayoutBatch.total_minor.label("amount"),
        PayoutBatch.currency,
    ).where(PayoutBatch.status == "paid")
    open_settled = db_session.scalars(
        select(PayoutBatch.id).where(
            PayoutBatch.status != "paid", PayoutBatch.settlement_id.is_not(None)
        )
    ).all()
    return (
        _movement_mismatches(db_session, expected)
        + [f"batch {b} is open but has a settlement" for b in open_settled]
        + _unclaimed(db_session, PAYOUT_SETTLED, PayoutBatch.settlement_id)
    )


def payouts_within_credits(db_session: Session) -> list[str]:
    """No worker has asked for more, in all, than was ever credited to them."""
    paid_out = (
        select(
            PayoutRequest.worker_id,
            PayoutRequest.currency,
            func.sum(PayoutRequest.amount_minor).label("total"),
        )
        .group_by(PayoutRequest.worker_id, PayoutRequest.currency)
        .subquery()
    )
    worker_prefix = rules.worker_account("")
    credited = (
        select(
            LedgerEntry.account,
            LedgerEntry.currency,
            func.sum(LedgerEntry.amount_minor).label("total"),
        )
        .where(LedgerEntry.account.startswith(worker_prefix), LedgerEntry.amount_minor > 0)
        .group_by(LedgerEntry.account, LedgerEntry.currency)
        .subquery()
    )
    earned = func.coalesce(credited.c.total, 0)
    rows = db_session.execute(
        select(paid_out.c.worker_id, paid_out.c.currency, paid_out.c.total, earned)
        .outerjoin(
            credited,
            and_(
                credited.c.account == _account(rules.worker_account, paid_out.c.worker_id),
                credited.c.currency == paid_out.c.currency,
            ),
        )
        .where(paid_out.c.total > earned)
    ).all()
    return [
        f"worker {w} asked for {out} {cur} in payouts but was credited only {got} {cur}"
        for w, cur, out, got in rows
    ]


def _movement_mismatches(db_session: Session, expected: Select[*tuple[Any, ...]]) -> list[str]:
    """Rows of `expected` (transaction_id, kind, owner, source, target, amount, currency)
    whose transaction is not exactly that one movement: two entries, source to target.

    SQLite would flatten `expected` into the grouped query and work its computed columns
    out again for the GROUP BY and each HAVING term (subqueries and all): materialized,
    each row is computed once."""
    x = expected.cte().prefix_with("MATERIALIZED", dialect="sqlite")
    entry = aliased(LedgerEntry)
    in_currency = entry.currency == x.c.currency
    debit = and_(in_currency, entry.account == x.c.source, entry.amount_minor == -x.c.amount)
    credit = and_(in_currency, entry.account == x.c.target, entry.amount_minor == x.c.amount)
    debits = func.sum(case((debit, 1), else_=0))
    credits = func.sum(case((credit, 1), else_=0))
    entries = func.count(entry.id)
    kind = func.coalesce(func.max(LedgerTransaction.kind), "")
    columns = (x.c.owner, x.c.transaction_id, x.c.kind, x.c.source, x.c.target)
    rows = db_session.execute(
        select(
            *columns, x.c.amount, x.c.currency, kind.label("found"), entries.label("entry_count")
        )
        .select_from(x)
        .outerjoin(LedgerTransaction, LedgerTransaction.id == x.c.transaction_id)
        .outerjoin(entry, entry.transaction_id == LedgerTransaction.id)
        .group_by(*columns, x.c.amount, x.c.currency)
        .having(or_(kind != x.c.kind, entries != 2, debits != 1, credits != 1))
    ).all()
    return [
        f"{r.owner}: should have a {r.kind} transaction of {r.amount} {r.currency} from "
        f"{r.source} to {r.target}; "
        + (
            f"transaction {r.transaction_id} is a {r.found} with {r.entry_count} entries "
            "that do not match"
            if r.found
            else "it has none"
        )
        for r in rows
    ]


def _unclaimed(db_session: Session, kind: str, claimed_by: Any) -> list[str]:
    """Transactions of `kind` that no row points at through `claimed_by`."""
    owner = claimed_by.class_
    ids = db_session.scalars(
        select(LedgerTransaction.id)
        .outerjoin(owner, claimed_by == LedgerTransaction.id)
        .where(LedgerTransaction.kind == kind, owner.id.is_(None))
    ).all()
    return [f"{kind} transaction {t} belongs to no {owner.__tablename__} row" for t in ids]


CHECKS: tuple[tuple[str, Check], ...] = (
    ("transactions balance", transactions_balance),
    ("entries well formed", entries_well_formed),
    ("no account overdrawn", no_overdrawn_accounts),
    ("approved submissions credited once", approved_submissions_credited),
    ("credits pay the mission reward", credits_pay_the_reward),
    ("the platform pays only repeat approvals", platform_pays_only_repeats),
    ("a campaign pays each store once", campaigns_pay_a_store_once),
    ("payout requests posted", payout_requests_posted),
    ("in transit equals unpaid requests", in_transit_is_unpaid_requests),
    ("batches add up", batches_add_up),
    ("batches settled", batches_settled),
    ("payouts within credits", payouts_within_credits),
)


def run_checks(*, db_session: Session) -> Iterator[tuple[str, list[str]]]:
    """Each invariant's name and its discrepancies, one invariant at a time."""
    for name, check in CHECKS:
        yield name, check(db_session)


def check_ledger(*, db_session: Session) -> list[str]:
    """Every discrepancy in the ledger and the payouts; empty when all holds."""
    return [
        problem for _name, problems in run_checks(db_session=db_session) for problem in problems
    ]


def summary(*, db_session: Session) -> dict[str, int]:
    """What a check covered: transactions, entries, accounts, approved submissions, payouts."""
    return {
        "transactions": _count(db_session, select(func.count(LedgerTransaction.id))),
        "entries": _count(db_session, select(func.count(LedgerEntry.id))),
        "accounts": _count(db_session, select(func.count(distinct(LedgerEntry.account)))),
        "approved submissions": _count(
            db_session, select(func.count(Submission.id)).where(Submission.status == "approved")
        ),
        "payout requests": _count(db_session, select(func.count(PayoutRequest.id))),
        "payout batches": _count(db_session, select(func.count(PayoutBatch.id))),
    }


def _count(db_session: Session, stmt: Select[Any]) -> int:
    return int(db_session.scalar(stmt) or 0)
