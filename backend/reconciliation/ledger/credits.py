"""The ledger against the submissions and missions it pays for: one credit per approved
submission, of the mission's figures, from the campaign or (a repeat) the platform."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.orm import Session, aliased

from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.ledger.service import CREDIT, FUNDING, STORE_CLOSED
from backend.missions.models import Mission
from backend.reconciliation.ledger.movements import account_of, movement_mismatches
from backend.submissions.models import Decision, Submission


def approved_submissions_credited(db_session: Session) -> list[str]:
    """Each approved submission has one credit, and only approved submissions have any."""
    credit = aliased(LedgerTransaction)
    missing = db_session.scalars(
        select(Submission.id)
        .outerjoin(credit, and_(credit.submission_id == Submission.id, credit.kind == CREDIT))
        .where(Submission.status == "approved", credit.id.is_(None))
    ).all()
    # count(*), not count(id): the credits' partial index on submission_id then answers
    # alone; counting ids read every credit's row (0.99 of 1.0 s at 454,000 credits on
    # PostgreSQL, where the same grouping from the index took 0.17 s).
    credits = func.count()
    repeated = db_session.execute(
        _credits_by_submission(db_session, credits).having(
            or_(credits > 1, literal_column("submission_id").is_(None))
        )
    ).all()
    # From the submissions not approved (two ranges of the status index: `!=` reads them
    # all), each looked up among the credits, rather than from every credit.
    not_approved = (
        select(Submission.id, Submission.status)
        .where(or_(Submission.status < "approved", Submission.status > "approved"))
        .cte("not_approved")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    unapproved = db_session.execute(
        select(LedgerTransaction.id, not_approved.c.id, not_approved.c.status)
        .select_from(not_approved)
        .join(
            LedgerTransaction,
            and_(
                LedgerTransaction.submission_id == not_approved.c.id,
                LedgerTransaction.kind == CREDIT,
            ),
        )
    ).all()
    return (
        [f"submission {s} is approved but was never credited" for s in missing]
        + [
            f"{n} credits name no submission" if s is None else f"submission {s} has {n} credits"
            for s, n in repeated
        ]
        + [f"credit {t} pays submission {s}, which is {status}" for t, s, status in unapproved]
    )


def _credits_by_submission(db_session: Session, *counted: Any) -> Select[*tuple[Any, ...]]:
    """The credits grouped by submission (`submission_id` and then `counted`), read from
    their partial index on submission_id alone, in its order. SQLite does not take that
    index for `kind = 'submission_credit'` by itself: it took the index on kind, then every
    credit's row and a sort (0.68 s at 454,000 credits, 0.24 by the partial index);
    INDEXED BY names it, and the kind is written into the SQL, not bound, so that SQLite
    can see it is the index's own condition. PostgreSQL takes the index unasked."""
    hint = ""
    if db_session.get_bind().dialect.name == "sqlite":
        hint = " INDEXED BY uq_ledger_transactions_submission_credit"
    submission_id: ColumnElement[str] = literal_column("submission_id")
    return (
        select(submission_id.label("submission_id"), *counted)
        .select_from(text(f"{LedgerTransaction.__tablename__}{hint}"))
        .where(literal_column("kind") == literal_column(f"'{CREDIT}'"))
        .group_by(submission_id)
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
        .cte("last_funded")
    )


def credits_pay_the_reward(db_session: Session) -> list[str]:
    """A credit moves the figures its mission had when it was approved from the campaign (or,
    for a repeat approval, the platform) to the worker, nothing else: the reward and bonus,
    or for a closed store the show-up pay (kept on the mission when paid).

    Those are the mission's figures today unless its campaign was funded again since the
    credit: a raise or a reopen lifts figures only then, and only upwards (campaigns.rewards),
    so a credit of no more than today's figures is the one that was in force.

    One look at each credit's own two entries (`_pays_as_expected`; on PostgreSQL the same
    read from one grouped pass over every transaction's entries, `_moves_as_expected`) clears
    the usual credit; only the others go through the exact comparison, grouped by every
    expected figure, which over every credit was most of the whole check's time."""
    last_funded = _last_funded()
    platform_paid = _platform_paid()
    amount = _credit_amount(last_funded)
    grouped = db_session.get_bind().dialect.name == "postgresql"
    movements = _movements() if grouped else None
    source = case(
        (platform_paid.c.transaction_id.is_not(None), literal(rules.PLATFORM, String)),
        else_=account_of(rules.campaign_account, Mission.campaign_id),
    )
    expected = (
        select(
            LedgerTransaction.id.label("transaction_id"),
            literal(CREDIT, String).label("kind"),
            (literal("submission ", String) + Submission.id).label("owner"),
            source.label("source"),
            account_of(rules.worker_account, Submission.worker_id).label("target"),
            amount.label("amount"),
            Mission.reward_currency.label("currency"),
        )
        .join(Submission, Submission.id == LedgerTransaction.submission_id)
        .join(Mission, Mission.id == Submission.mission_id)
        .outerjoin(last_funded, last_funded.c.campaign_id == Mission.campaign_id)
        .outerjoin(platform_paid, platform_paid.c.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.kind == CREDIT)
    )
    if movements is None:
        expected = expected.where(~_pays_as_expected(last_funded))
        return movement_mismatches(db_session, expected)
    expected = expected.outerjoin(
        movements, movements.c.transaction_id == LedgerTransaction.id
    ).where(~_moves_as_expected(movements, last_funded))
    # Without parallel workers: the grouped pass over the entries was run whole by each
    # worker (a grouped aggregate is not split between them), and a parallel hash join
    # builds its table even when the other side is empty, as a healthy ledger's
    # discrepancies are; run serially, this check took 0.31 s of CPU, not 0.52, over 200,000
    # entries. For this check only: the others lost as much at a million entries without.
    db_session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    found = movement_mismatches(db_session, expected)
    db_session.execute(text("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))
    return found


def _movements() -> Any:
    """Every transaction's entries in one grouped pass (the covering index in transaction
    order): how many, their sum, their lowest and highest currency, the account of the
    entry taking money and of the one giving it, and the largest amount.

    PostgreSQL joins it to the credits by hash: one pass over the entries instead of a
    look at each credit's own two entries (an index probe and an aggregate per credit):
    0.31 s of CPU instead of 0.52 for the credits' check over 200,000 entries. SQLite has no
    hash join: it would build an index on the pass, or probe the credits from it, and its
    probe per credit stays faster (1.0 s against 2.0 over 200,000 entries)."""
    amount = LedgerEntry.amount_minor
    return (
        select(
            LedgerEntry.transaction_id.label("transaction_id"),
            func.count().label("entries"),
            func.sum(amount).label("total"),
            func.min(LedgerEntry.currency).label("lowest"),
            func.max(LedgerEntry.currency).label("highest"),
            func.max(case((amount < 0, LedgerEntry.account))).label("taken_from"),
            func.max(case((amount > 0, LedgerEntry.account))).label("given_to"),
            func.max(amount).label("given"),
        )
        .group_by(LedgerEntry.transaction_id)
        .subquery("movements")
    )


def _moves_as_expected(movements: Any, last_funded: Any) -> ColumnElement[bool]:
    """`_pays_as_expected` read from the grouped pass (`_movements`): true only for two
    entries summing to zero, both in the mission's currency, one taking from the platform or
    the mission's campaign, the other giving the worker today's figures (or less, if the
    campaign was funded since). Two entries of opposite amounts are one taking and one
    giving, so the largest amount is the one given and each account is its entry's alone;
    anything else (a third entry, a zero, a mixed currency) is false or unknown and goes to
    the exact comparison."""
    m, current = movements.c, _current_figures()
    healthy = and_(
        m.entries == 2,
        m.total == 0,
        m.lowest == Mission.reward_currency,
        m.highest == Mission.reward_currency,
        or_(
            m.taken_from == rules.PLATFORM,
            m.taken_from == account_of(rules.campaign_account, Mission.campaign_id),
        ),
        m.given_to == account_of(rules.worker_account, Submission.worker_id),
        or_(
            m.given == current,
            and_(m.given < current, last_funded.c.at > LedgerTransaction.created_at),
        ),
    )
    return func.coalesce(healthy, False)


def _current_figures() -> ColumnElement[int]:
    """What a credit of the mission pays today: the show-up pay for a closed store, else the
    reward and the bonus."""
    return case(
        (Submission.outcome == STORE_CLOSED, Mission.show_up_minor),
        else_=Mission.reward_amount_minor + Mission.bonus_minor,
    )


def _pays_as_expected(last_funded: Any) -> ColumnElement[bool]:
    """True only for a credit that `movement_mismatches` would pass: two entries summing to
    zero, one taking from the platform or the mission's campaign, one giving the worker
    today's figures (or less, if the campaign was funded since), both in the mission's
    currency. Read from the credit's entries alone (a covering index); false or unknown
    sends the credit to the exact comparison.

    Why it is enough: with one debit and one credit entry of opposite amounts, the debit's
    account is the platform exactly when the platform paid, and the worker's entry is the
    `paid` amount that `_credit_amount` compares with today's figures."""
    entry = aliased(LedgerEntry)
    in_currency = entry.currency == Mission.reward_currency
    current = _current_figures()
    funded_since = (
        select(last_funded.c.at)
        .where(last_funded.c.campaign_id == Mission.campaign_id)
        # Its own FROM, not the row the expected figures join: unread for most credits.
        .correlate_except(last_funded)
        .scalar_subquery()
        > LedgerTransaction.created_at
    )
    # CASE: the funding date is looked up only for a credit below today's figures.
    amount_in_force = case(
        (entry.amount_minor == current, True),
        (and_(entry.amount_minor < current, funded_since), True),
        else_=False,
    )
    from_source = and_(
        entry.amount_minor < 0,
        in_currency,
        or_(
            entry.account == rules.PLATFORM,
            entry.account == account_of(rules.campaign_account, Mission.campaign_id),
        ),
    )
    to_worker = and_(
        entry.amount_minor > 0,
        in_currency,
        entry.account == account_of(rules.worker_account, Submission.worker_id),
        amount_in_force,
    )
    healthy = (
        select(
            and_(
                func.count() == 2,
                func.sum(entry.amount_minor) == 0,
                func.sum(case((from_source, 1), else_=0)) == 1,
                func.sum(case((to_worker, 1), else_=0)) == 1,
            )
        )
        .where(entry.transaction_id == LedgerTransaction.id)
        .scalar_subquery()
    )
    return func.coalesce(healthy, False)


def _credit_amount(last_funded: Any) -> ColumnElement[int]:
    """What a credit should have moved: its mission's figures today, or the credit's own
    amount if its campaign was funded since and that is no more than today's figures."""
    current = _current_figures()
    paid = (
        select(func.max(LedgerEntry.amount_minor))
        .where(
            LedgerEntry.transaction_id == LedgerTransaction.id,
            LedgerEntry.account == account_of(rules.worker_account, Submission.worker_id),
        )
        .scalar_subquery()
    )
    # CASE evaluates its branches lazily: the credit's own amount is read only for a credit
    # its campaign was funded after, so the usual ledger costs no extra lookup per credit.
    return case(
        (
            last_funded.c.at > LedgerTransaction.created_at,
            case((and_(paid > 0, paid <= current), paid), else_=current),
        ),
        else_=current,
    )


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
    """A campaign pays for one completed visit per mission; any other is the platform's.

    Only a mission with two submissions, or a submission with two credits, can have been
    paid twice: both are found from an index alone (submissions by mission, credits by
    submission), and only their credits are joined, not every credit of the ledger."""
    charged = func.count(LedgerTransaction.id)
    platform_paid = _platform_paid()
    visited_again = (
        select(Submission.mission_id).group_by(Submission.mission_id).having(func.count() > 1)
    )
    credited_again = _credits_by_submission(db_session).having(func.count() > 1)
    # The suspects stay a subquery, not a list read first: missions visited twice are common
    # in a healthy ledger (a rejection, then another worker's visit), and tens of thousands
    # of ids bound one by one would pass SQLite's limit of 32,766 parameters.
    suspects = union(
        select(Submission.id).where(Submission.mission_id.in_(visited_again)), credited_again
    ).subquery()
    rows = db_session.execute(
        select(Mission.id, charged)
        .select_from(suspects)
        .join(Submission, Submission.id == suspects.c.id)
        .join(Mission, Mission.id == Submission.mission_id)
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
