"""The pure rules of a campaign edit, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.campaigns import rules

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
CURRENT = {
    "name": "Towel audit",
    "instructions": "",
    "photo_instructions": None,
    "products": [{"sku": "A-1", "name": "Ultra"}, {"sku": "B-2", "name": "Night"}],
    "photos_required": 1,
    "review_required": False,
    "reward": {"amount_minor": 600, "currency": "EUR"},
    "est_minutes": 15,
    "starts_at": NOW - timedelta(days=1),
    "ends_at": NOW + timedelta(days=7),
    "store_ids": ["s1", "s2"],
    "bonuses": [],
}


def problems(**changes):
    return rules.published_edit_problems(current=CURRENT, changes=changes, now=NOW)


def test_a_value_restated_is_no_change():
    same = {
        "name": " Towel audit ",
        "products": [{"sku": "B-2", "name": "Night"}, {"sku": "A-1 ", "name": "Ultra"}],
        "store_ids": ["s2", "s1"],
        "reward": {"amount_minor": 600, "currency": "EUR"},
        "bonuses": [],
    }
    assert rules.changed_fields(CURRENT, same) == []
    assert problems(**same) == {}
    renamed = [{"sku": "A-1", "name": "Ultra Plus"}, {"sku": "B-2", "name": "Night"}]
    assert rules.changed_fields(CURRENT, {"products": renamed}) == ["products"]


def test_published_only_ends_later_pays_more_or_adds_stores():
    assert (
        problems(
            ends_at=NOW + timedelta(days=8),
            reward={"amount_minor": 700, "currency": "EUR"},
            store_ids=["s1", "s2", "s3"],
        )
        == {}
    )
    assert set(problems(name="New", est_minutes=20, review_required=True)) == {
        "name",
        "est_minutes",
        "review_required",
    }
    assert set(problems(ends_at=NOW + timedelta(days=6))) == {"ends_at"}
    assert set(problems(reward={"amount_minor": 599, "currency": "EUR"})) == {"reward.amount_minor"}
    assert set(problems(reward={"amount_minor": 700, "currency": "USD"})) == {"reward.currency"}
    big = {"amount_minor": rules.REWARD_MAX_MINOR + 1, "currency": "EUR"}
    assert set(problems(reward=big)) == {"reward.amount_minor"}
    assert set(problems(store_ids=["s1", "s3"])) == {"store_ids"}
    assert set(problems(store_ids=["s1", "s2", "s3", "s3"])) == {"store_ids"}
    assert set(problems(ends_at=datetime(3000, 1, 1, tzinfo=UTC))) == {"ends_at"}


def test_an_ended_campaign_is_not_funded_until_it_is_extended():
    ended = CURRENT | {"ends_at": NOW - timedelta(hours=1)}
    more = {"reward": {"amount_minor": 700, "currency": "EUR"}, "store_ids": ["s1", "s2", "s3"]}
    assert set(rules.published_edit_problems(current=ended, changes=more, now=NOW)) == {
        "reward",
        "store_ids",
    }
    later = more | {"ends_at": NOW + timedelta(days=1)}
    assert rules.published_edit_problems(current=ended, changes=later, now=NOW) == {}
    # The end can move, but not to a moment already past.
    past = {"ends_at": NOW - timedelta(minutes=1)}
    assert set(rules.published_edit_problems(current=ended, changes=past, now=NOW)) == {"ends_at"}


def test_dates_outside_the_years_a_campaign_runs_are_named():
    assert rules.date_problems(starts_at=NOW, ends_at=NOW) == {}
    far = datetime(1, 1, 1, tzinfo=UTC)
    assert set(rules.date_problems(starts_at=far, ends_at=NOW)) == {"starts_at"}
