"""Pure double-entry rules: which entries each money movement posts, and what must hold.

Every transaction is a list of entries whose amounts (integer minor units, signed) sum to
zero in each currency; an account's balance is the sum of its entries, nothing stored beside
them. The bank stands for the world outside (money paid in by brands, paid out to workers)
and the platform for Fairfield itself: only those two may go below zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

BANK = "bank"
PLATFORM = "platform"
IN_TRANSIT = "payouts_in_transit"
EXTERNAL = frozenset({BANK, PLATFORM})


@dataclass(frozen=True)
class Entry:
    account: str
    amount_minor: int
    currency: str


class Unbalanced(ValueError):
    """A transaction whose entries do not sum to zero in each currency, or are malformed."""


def campaign_account(campaign_id: str) -> str:
    """A brand's budget for one campaign."""
    return f"campaign:{campaign_id}"


def brand_account(brand_id: str) -> str:
    """A brand's balance held by Fairfield: what it paid in and no campaign holds yet."""
    return f"brand:{brand_id}"


def worker_account(worker_id: str) -> str:
    """What Fairfield owes one worker."""
    return f"worker:{worker_id}"


def check_balanced(entries: Sequence[Entry]) -> None:
    """Refuse a transaction that would break double entry."""
    if len(entries) < 2:
        raise Unbalanced("a transaction has at least two entries")
    totals: dict[str, int] = defaultdict(int)
    for entry in entries:
        if not isinstance(entry.amount_minor, int) or isinstance(entry.amount_minor, bool):
            raise Unbalanced(f"{entry.account}: amounts are whole minor units")
        if entry.amount_minor == 0:
            raise Unbalanced(f"{entry.account}: an entry moves money")
        if len(entry.currency) != 3 or not entry.currency.isupper():
            raise Unbalanced(f"{entry.account}: currency {entry.currency!r}")
        totals[entry.currency] += entry.amount_minor
    off = {currency: total for currency, total in totals.items() if total}
    if off:
        raise Unbalanced(f"entries do not sum to zero: {off}")


def _move(source: str, target: str, amount_minor: int, currency: str) -> list[Entry]:
    if amount_minor <= 0:
        raise Unbalanced("a movement is of a positive amount")
    entries = [Entry(source, -amount_minor, currency), Entry(target, amount_minor, currency)]
    check_balanced(entries)
    return entries


def funding(*, campaign_id: str, amount_minor: int, currency: str) -> list[Entry]:
    """A brand pays money in for a campaign."""
    return _move(BANK, campaign_account(campaign_id), amount_minor, currency)


def brand_top_up(*, brand_id: str, amount_minor: int, currency: str) -> list[Entry]:
    """A brand pays money into its balance, for the rounds of its recurring campaigns."""
    return _move(BANK, brand_account(brand_id), amount_minor, currency)


def round_funding(
    *, brand_id: str, campaign_id: str, amount_minor: int, currency: str
) -> list[Entry]:
    """A recurring campaign's new round is funded from the brand's balance."""
    return _move(brand_account(brand_id), campaign_account(campaign_id), amount_minor, currency)


def round_release(
    *, brand_id: str, campaign_id: str, amount_minor: int, currency: str
) -> list[Entry]:
    """What a closed round's unclaimed missions held goes back to the brand's balance."""
    return _move(campaign_account(campaign_id), brand_account(brand_id), amount_minor, currency)


def approval(
    *, campaign_id: str, worker_id: str, reward_minor: int, currency: str, repeat: bool = False
) -> list[Entry]:
    """An approved submission: the campaign pays the worker (reward and bonus, or show-up pay).
    A `repeat` approval of a mission the campaign already paid for (an appeal granted after a
    rejection reopened it) is the platform's cost, never the brand's."""
    source = PLATFORM if repeat else campaign_account(campaign_id)
    return _move(source, worker_account(worker_id), reward_minor, currency)


def show_up_pay(reward_minor: int, share_percent: float | Decimal, min_minor: int) -> int:
    """What a worker who finds the store closed is paid: a share of the reward (rounded half
    up), at least the minimum, never more than the reward itself."""
    if reward_minor <= 0 or min_minor < 0 or not 0 <= share_percent <= 100:
        raise ValueError(
            f"show-up pay of a {reward_minor} reward at {share_percent} %, minimum {min_minor}"
        )
    share = (Decimal(reward_minor) * Decimal(str(share_percent)) / 100).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return min(max(int(share), min_minor), reward_minor)


def payout_request(*, worker_id: str, amount_minor: int, currency: str) -> list[Entry]:
    """A worker asks for their balance: it leaves their account at once, into transit."""
    return _move(worker_account(worker_id), IN_TRANSIT, amount_minor, currency)


def payout_settled(*, amount_minor: int, currency: str) -> list[Entry]:
    """A batch of transfers went out of the bank: transit empties by as much."""
    return _move(IN_TRANSIT, BANK, amount_minor, currency)


def balances(entries: Iterable[Entry]) -> dict[tuple[str, str], int]:
    """Each (account, currency)'s balance: the sum of its entries."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for entry in entries:
        totals[(entry.account, entry.currency)] += entry.amount_minor
    return dict(totals)


def overdrawn(totals: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """Accounts below zero that must never be: all but the bank and the platform."""
    return sorted(key for key, value in totals.items() if value < 0 and key[0] not in EXTERNAL)
