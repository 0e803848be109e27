"""Pure campaign rules: the shape of a campaign before it touches the database, and the
fair-pay rules it is published under (the pay floor, show-up pay). Money is integer minor
units throughout."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from backend.campaigns import forms, round_rules
from backend.kernel.money import Money
from backend.settings import Settings

# Currencies we can pay out by SEPA credit transfer today.
CURRENCIES = frozenset({"EUR"})
EST_MINUTES_MAX = 8 * 60
PHOTOS_MAX = 20
PRODUCTS_MAX = 200
# A reward or bonus per store visit, in minor units: far above any real one, and inside the
# 32-bit column a reward is kept in.
REWARD_MAX_MINOR = 10_000_000
# Campaign dates: a year outside these is a typo, and near the ends of the calendar an
# offset cannot even be turned into UTC.
YEAR_MIN, YEAR_MAX = 2000, 2999


@dataclass(frozen=True)
class CampaignDraft:
    """A campaign as the brand states it (a new one, or a draft as an edit would leave it),
    before it touches the database."""

    name: str
    products: Sequence[Mapping[str, Any]]
    photos_required: int
    reward_amount_minor: int
    reward_currency: str
    est_minutes: int
    starts_at: datetime
    ends_at: datetime
    store_ids: Sequence[str]
    instructions: str = ""
    photo_instructions: str | None = None
    review_required: bool = False
    bonuses: Sequence[Mapping[str, Any]] = ()
    # None: the default form (today's products).
    questions: Sequence[Mapping[str, Any]] | None = None
    # None: one round; {every_days}: a new round every so many days (campaigns.rounds).
    schedule: Mapping[str, Any] | None = None

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> CampaignDraft:
        """A draft from a campaign in the API's shape (`reward` as amount_minor, currency)."""
        return cls(
            name=body["name"],
            products=body["products"],
            photos_required=body["photos_required"],
            reward_amount_minor=body["reward"]["amount_minor"],
            reward_currency=body["reward"]["currency"],
            est_minutes=body["est_minutes"],
            starts_at=body["starts_at"],
            ends_at=body["ends_at"],
            store_ids=body["store_ids"],
            instructions=body.get("instructions", ""),
            photo_instructions=body.get("photo_instructions"),
            review_required=body.get("review_required", False),
            bonuses=body.get("bonuses", ()),
            questions=body.get("questions"),
            schedule=body.get("schedule"),
        )


def campaign_problems(
    draft: CampaignDraft, *, max_photos: int = PHOTOS_MAX
) -> dict[str, list[str]]:
    """Every field of the draft in error, with why: the same for a new campaign and an
    edited draft; `max_photos` is what one submission may carry."""
    errors: dict[str, list[str]] = {}
    if not draft.name.strip():
        errors["name"] = ["Must not be blank."]
    if problem := _products_problem(draft.products):
        errors["products"] = [problem]
    if draft.questions is not None:
        errors |= forms.question_problems(draft.questions)
    errors |= round_rules.schedule_problems(draft.schedule)
    most = min(PHOTOS_MAX, max_photos)
    if not 0 <= draft.photos_required <= most:
        # A submission carries at most max_photos: a campaign asking for more could never
        # be completed.
        errors["photos_required"] = [f"Must be between 0 and {most}."]
    errors |= reward_problems(
        amount_minor=draft.reward_amount_minor,
        currency=draft.reward_currency,
        est_minutes=draft.est_minutes,
    )
    errors |= date_problems(starts_at=draft.starts_at, ends_at=draft.ends_at)
    if not errors.keys() & {"starts_at", "ends_at"} and draft.ends_at <= draft.starts_at:
        errors["ends_at"] = ["Must be after starts_at."]
    if not draft.store_ids:
        errors["store_ids"] = ["Target at least one store."]
    elif len(set(draft.store_ids)) != len(draft.store_ids):
        errors["store_ids"] = ["Each store may appear once."]
    return errors | bonus_problems(
        draft.bonuses, reward_currency=draft.reward_currency, store_ids=draft.store_ids
    )


def reward_problems(*, amount_minor: int, currency: str, est_minutes: int) -> dict[str, list[str]]:
    """The reward and the estimate in error, with why: for a campaign and for a quote."""
    errors: dict[str, list[str]] = {}
    if not 0 < amount_minor <= REWARD_MAX_MINOR:
        errors["reward.amount_minor"] = [
            f"Must be a positive whole number of minor units, at most {REWARD_MAX_MINOR}."
        ]
    if currency not in CURRENCIES:
        errors["reward.currency"] = [f"Must be one of: {', '.join(sorted(CURRENCIES))}."]
    if not 1 <= est_minutes <= EST_MINUTES_MAX:
        errors["est_minutes"] = [f"Must be between 1 and {EST_MINUTES_MAX}."]
    return errors


def _products_problem(products: Sequence[Mapping[str, Any]]) -> str | None:
    """What is wrong with a campaign's product list, if anything."""
    if not products:
        return "List at least one product."
    if len(products) > PRODUCTS_MAX:
        return f"At most {PRODUCTS_MAX} products."
    skus = [str(p["sku"]).strip() for p in products]
    if not all(skus):
        return "A SKU must not be blank."
    if len(set(skus)) != len(skus):
        return "Each SKU may appear once."
    return None


def date_problems(**dates: datetime) -> dict[str, list[str]]:
    """Each date given by name that is outside the years a campaign may run in."""
    return {
        name: [f"Must be in the years {YEAR_MIN} to {YEAR_MAX}."]
        for name, value in dates.items()
        if not YEAR_MIN <= value.year <= YEAR_MAX
    }


def bonus_problems(
    bonuses: Sequence[Mapping[str, Any]], *, reward_currency: str, store_ids: Sequence[str]
) -> dict[str, list[str]]:
    """Per-store bonuses: each for a target store, at most one per store, in the reward's
    currency."""
    errors: dict[str, list[str]] = {}
    targets, seen = set(store_ids), set()
    for i, bonus in enumerate(bonuses):
        store_id = bonus["store_id"]
        if store_id not in targets:
            errors[f"bonuses.{i}.store_id"] = ["Must be one of store_ids."]
        elif store_id in seen:
            errors[f"bonuses.{i}.store_id"] = ["Each store may have one bonus."]
        seen.add(store_id)
        if not 0 <= bonus["amount"]["amount_minor"] <= REWARD_MAX_MINOR:
            errors[f"bonuses.{i}.amount.amount_minor"] = [f"Must be at most {REWARD_MAX_MINOR}."]
        if bonus["amount"]["currency"] != reward_currency:
            errors[f"bonuses.{i}.amount.currency"] = [
                f"Must be {reward_currency}, the reward's currency."
            ]
    return errors


class PayRules(NamedTuple):
    """The fair-pay settings a campaign is published under, parsed."""

    floor: Money  # FAIRFIELD_MIN_HOURLY: the least pay per estimated hour
    travel_allowance_minutes: int  # FAIRFIELD_TRAVEL_ALLOWANCE_MINUTES, per mission
    show_up_share_percent: int  # FAIRFIELD_SHOW_UP_SHARE_PERCENT of the pay, for a closed store
    show_up_min: Money  # FAIRFIELD_SHOW_UP_MIN: the least show-up pay


def pay_rules(settings: Settings) -> PayRules:
    """The fair-pay settings a campaign is published under."""
    return PayRules(
        floor=settings.min_hourly,
        travel_allowance_minutes=settings.travel_allowance_minutes,
        show_up_share_percent=settings.show_up_share_percent,
        show_up_min=settings.show_up_min,
    )


def hourly_rate(pay_minor: int, minutes: int) -> int:
    """Pay per hour for so many minutes of work, in minor units, rounded down."""
    return pay_minor * 60 // minutes


def least_pay(floor_minor: int, minutes: int) -> int:
    """The least pay, in whole minor units, that earns the floor per hour over `minutes`."""
    return -(-floor_minor * minutes // 60)


class Shortfall(NamedTuple):
    """Missions that would pay under the floor per estimated hour, and what would fix it."""

    below: int  # how many missions
    rate_minor: int  # the lowest pay per hour among them
    least_reward_minor: int  # the least campaign reward that lifts every mission to the floor


def pay_floor_shortfall(
    *,
    reward_minor: int,
    bonus_counts: Mapping[int, int],
    est_minutes: int,
    allowance_minutes: int,
    floor_minor: int,
) -> Shortfall | None:
    """Which missions of a campaign pay under the floor, each counted with its bonus over
    the time in store plus the travel allowance; None when every one earns it.

    `bonus_counts` maps each bonus amount to how many missions carry it.
    """
    if not bonus_counts:
        return None
    minutes = est_minutes + allowance_minutes
    least = least_pay(floor_minor, minutes)
    # Integers both sides: pay < ceil(floor x minutes / 60) exactly when pay per hour < floor.
    below = {bonus: n for bonus, n in bonus_counts.items() if reward_minor + bonus < least}
    if not below:
        return None
    return Shortfall(
        below=sum(below.values()),
        rate_minor=hourly_rate(reward_minor + min(below), minutes),
        least_reward_minor=least - min(bonus_counts),
    )


class PayQuote(NamedTuple):
    """What the pay floor says of a reward before any campaign exists (POST /campaigns/quote)."""

    rate_minor: int  # pay per hour over the minutes in store plus the travel allowance
    least_reward_minor: int  # the least reward that passes
    passes: bool  # whether publishing would accept it
    minutes: int  # the minutes the rate is figured over


def pay_quote(
    *,
    reward_minor: int,
    missions: int,
    est_minutes: int,
    allowance_minutes: int,
    floor_minor: int,
) -> PayQuote:
    """The pay check of `missions` missions without bonuses at this reward, by the very rule
    publishing applies (`pay_floor_shortfall`): a quote that passes publishes."""
    minutes = est_minutes + allowance_minutes
    short = pay_floor_shortfall(
        reward_minor=reward_minor,
        bonus_counts={0: max(missions, 1)},
        est_minutes=est_minutes,
        allowance_minutes=allowance_minutes,
        floor_minor=floor_minor,
    )
    return PayQuote(
        rate_minor=hourly_rate(reward_minor, minutes),
        # The shortfall names the least reward when there is one; a passing reward is at or
        # above the same figure, the least pay over those minutes (no bonus to subtract).
        least_reward_minor=short.least_reward_minor if short else least_pay(floor_minor, minutes),
        passes=short is None,
        minutes=minutes,
    )


def normal_photo_instructions(text: str | None) -> str | None:
    """Photo instructions as kept: trimmed, and none at all rather than blank."""
    return (text or "").strip() or None


# Editing a campaign. A draft may change anything; once published, workers have seen it and
# the brand has paid for it, so it may only get better for them: a later end, a higher
# reward, more stores.

PUBLISHED_EDITABLE = ("ends_at", "reward", "store_ids")


def _comparable(field: str, value: Any) -> Any:
    """A field's value in the form two campaigns are compared in: order and padding aside."""
    if field == "products":
        return {str(p["sku"]).strip(): p["name"] for p in value}
    if field == "store_ids":
        return frozenset(value)
    if field == "bonuses":
        return {
            b["store_id"]: (b["amount"]["amount_minor"], b["amount"]["currency"]) for b in value
        }
    if field == "name":
        return value.strip()
    if field == "questions":
        return forms.normal_questions(value)
    return value


def changed_fields(current: Mapping[str, Any], changes: Mapping[str, Any]) -> list[str]:
    """The fields of `changes` whose value differs from the campaign's `current` one."""
    return [
        field
        for field, value in changes.items()
        if _comparable(field, value) != _comparable(field, current[field])
    ]


def published_edit_problems(
    *, current: Mapping[str, Any], changes: Mapping[str, Any], now: datetime
) -> dict[str, list[str]]:
    """What a published campaign's edit may not do: change anything but `ends_at`, `reward`
    and `store_ids`; end sooner or in the past; pay less; drop a store; fund an ended one."""
    changed = changed_fields(current, changes)
    errors: dict[str, list[str]] = {
        field: [f"Cannot change once published; only {', '.join(PUBLISHED_EDITABLE)} can."]
        for field in changed
        if field not in PUBLISHED_EDITABLE
    }
    ends_at = changes.get("ends_at", current["ends_at"])
    if "ends_at" in changed and (bad := date_problems(ends_at=ends_at)):
        errors |= bad
        ends_at = current["ends_at"]
    elif "ends_at" in changed:
        if ends_at < current["ends_at"]:
            errors["ends_at"] = ["A published campaign can only end later, not sooner."]
        elif ends_at <= now:
            errors["ends_at"] = ["Must be in the future."]
    if "reward" in changed:
        old, new = current["reward"], changes["reward"]
        if new["currency"] != old["currency"]:
            errors["reward.currency"] = [f"Must stay {old['currency']} once published."]
        elif new["amount_minor"] < old["amount_minor"]:
            errors["reward.amount_minor"] = [
                f"A published campaign's reward can only be raised (now {old['amount_minor']})."
            ]
        elif new["amount_minor"] > REWARD_MAX_MINOR:
            errors["reward.amount_minor"] = [f"Must be at most {REWARD_MAX_MINOR}."]
    if "store_ids" in changed:
        store_ids = changes["store_ids"]
        if len(set(store_ids)) != len(store_ids):
            errors["store_ids"] = ["Each store may appear once."]
        elif not set(store_ids) >= set(current["store_ids"]):
            errors["store_ids"] = [
                "A published campaign can only add stores: list every current one too."
            ]
    if ends_at <= now and ({"reward", "store_ids"} & set(changed)):
        # Money for missions nobody may claim any more would only sit in the account.
        for field in {"reward", "store_ids"} & set(changed):
            errors.setdefault(field, ["The campaign has ended; extend ends_at first."])
    return errors
