"""What a brand gets for its money: per store, the approved result; per campaign, aggregates.

Here, above campaigns, because a campaign's results are its approved submissions.

Only approved submissions contribute. Nothing here reads who the worker was or where the
worker stood: the queries never select those columns, so no format can leak them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.campaigns import aggregates
from backend.campaigns.models import Campaign
from backend.campaigns.queries import spend as campaign_spend
from backend.campaigns.schedules import current_rounds
from backend.errors import Invalid
from backend.kernel.scoping import get_visible
from backend.missions.models import Mission
from backend.stores.models import Store
from backend.submissions.answers import normal_answers, product_rows
from backend.submissions.models import Photo, Submission
from backend.submissions.rules import ERASED_SHA256
from backend.urls import no_photo_links, photo_links

APPROVED = "approved"

CSV_HEADER = (
    "store_id",
    "store_name",
    "store_address",
    "store_external_ref",
    "store_latitude",
    "store_longitude",
    "mission_id",
    "mission_status",
    "outcome",
    "sku",
    "product_name",
    "count",
    "out_of_stock",
    "price_amount_minor",
    "price_currency",
    "captured_at",
    "received_at",
    "decided_at",
    "photo_urls",  # space-separated, in order: the photos still there
    "photos_erased",  # how many of the result's photos went with their worker's erasure
    "round",  # the round of a recurring campaign (1 for one that is not)
)
# Then a column per question of the form, named so.
QUESTION_COLUMN = "answer.{}"


@dataclass(frozen=True)
class CampaignResults:
    campaign_id: str
    products: list[tuple[str, str]]  # (sku, name), in the campaign's order
    items: list[dict[str, Any]]
    aggregates: dict[str, Any]
    questions: list[dict[str, Any]]  # the form, in order


def campaign_results_out(results: CampaignResults) -> dict[str, Any]:
    """The whole-campaign JSON document (CampaignResultsOut)."""
    return {
        "campaign_id": results.campaign_id,
        "questions": results.questions,
        "aggregates": results.aggregates,
        "items": results.items,
    }


def csv_header(questions: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """The CSV's columns: today's, then one per question of the form."""
    return CSV_HEADER + tuple(QUESTION_COLUMN.format(q["id"]) for q in questions)


def campaign_results(
    *,
    db_session: Session,
    user: User,
    campaign_id: str,
    link_ttl_seconds: int | None = None,
    exported: bool = False,
    round_no: int | None = None,
) -> CampaignResults:
    """A campaign's results, store by store, with its aggregates; 404 unless the caller's.
    Photo links are signed for `user` and live `link_ttl_seconds` (longer in exports);
    `exported` (a file opened elsewhere, a spreadsheet) makes them whole URLs. `round_no`
    keeps one round's (422 naming `round` for one not opened); None, every round's."""
    campaign = get_visible(db_session, Campaign, campaign_id, user)
    if round_no is not None:
        _check_round(db_session, campaign.id, round_no)
    products = [(p.sku, p.name) for p in campaign.products]
    signed = {"viewer_id": user.id, "ttl_seconds": link_ttl_seconds, "external": exported}
    photos = _approved_photos(db_session, campaign.id, signed, round_no)
    items = [
        _item(row, products, photos)
        for row in _one_per_mission(_rows(db_session, campaign.id, round_no))
    ]
    results = [item["result"] for item in items if item["result"] is not None]
    spend = campaign_spend(db_session=db_session, campaigns=[campaign])[campaign.id]
    figures = {
        "coverage": aggregates.coverage(missions=len(items), with_results=len(results)),
        "products": aggregates.product_figures(products, (r["answers"] for r in results)),
        "spend": spend,
    }
    return CampaignResults(campaign.id, products, items, figures, list(campaign.questions))


def _check_round(db_session: Session, campaign_id: str, round_no: int) -> None:
    opened = current_rounds(db_session=db_session, campaign_ids=[campaign_id]).get(campaign_id, 0)
    if round_no > opened:
        raise Invalid(
            "The campaign has not opened that round.",
            errors={"round": [f"Must be between 1 and {opened}." if opened else "No round yet."]},
        )


def _in_round(round_no: int | None) -> list[ColumnElement[bool]]:
    return [] if round_no is None else [Mission.round == round_no]


def _rows(db_session: Session, campaign_id: str, round_no: int | None) -> Sequence[Any]:
    """Every mission (of `round_no`, or every round) with its store and, if it has one, its
    approved submission: one query."""
    approved = and_(Submission.mission_id == Mission.id, Submission.status == APPROVED)
    return db_session.execute(
        select(
            Mission.id.label("mission_id"),
            Mission.status.label("mission_status"),
            Mission.round,
            Store.id.label("store_id"),
            Store.name.label("store_name"),
            Store.address,
            Store.external_ref,
            Store.latitude,
            Store.longitude,
            Submission.id.label("submission_id"),
            Submission.outcome,
            Submission.answers,
            Submission.captured_at,
            Submission.received_at,
            Submission.decided_at,
        )
        .join(Store, Store.id == Mission.store_id)
        .outerjoin(Submission, approved)
        .where(Mission.campaign_id == campaign_id, *_in_round(round_no))
        .order_by(
            Store.name,
            Store.id,
            Mission.round,
            Mission.id,
            Submission.captured_at.desc(),
            Submission.decided_at.desc(),
        )
    ).all()


def _one_per_mission(rows: Sequence[Any]) -> Iterator[Any]:
    # A rejection reopens a mission for another worker, and an appeal granted later approves
    # the first one's too: of a store's approved submissions, the latest visit (captured_at)
    # stands. Rows come latest first within a mission; a campaign has one mission per store
    # and round.
    seen: set[str] = set()
    for row in rows:
        if row.mission_id not in seen:
            seen.add(row.mission_id)
            yield row


def _approved_photos(
    db_session: Session, campaign_id: str, signed: dict[str, Any], round_no: int | None
) -> dict[str, list[dict[str, Any]]]:
    """The photos of the campaign's approved submissions, by submission: one query; their
    links made with `signed` (viewer, lifetime, whole URLs or paths)."""
    rows = db_session.execute(
        select(Photo.id, Photo.submission_id, Photo.position, Photo.sha256)
        .join(Submission, Submission.id == Photo.submission_id)
        .join(Mission, Mission.id == Submission.mission_id)
        .where(
            Mission.campaign_id == campaign_id,
            Submission.status == APPROVED,
            *_in_round(round_no),
        )
        .order_by(Photo.submission_id, Photo.position)
    )
    photos: dict[str, list[dict[str, Any]]] = {}
    for photo_id, submission_id, position, sha256 in rows:
        # Its worker asked to be forgotten: the photo is said to be gone, not linked to a 404.
        erased = sha256 == ERASED_SHA256
        links = no_photo_links() if erased else photo_links(photo_id, **signed)
        # For a brand, `url` is its copy without metadata.
        photos.setdefault(submission_id, []).append(
            {"id": photo_id, "position": position, "erased": erased, **links}
        )
    return photos


def _item(
    row: Any, products: list[tuple[str, str]], photos: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    result = None
    if row.submission_id is not None:
        result = {
            "submission_id": row.submission_id,
            "outcome": row.outcome,
            # A closed store was a visit worth paying for, but it counted nothing.
            "answers": _answers(row.answers, products) if row.outcome == "completed" else [],
            "form_answers": normal_answers(row.answers) if row.outcome == "completed" else [],
            "photos": photos.get(row.submission_id, []),
            "captured_at": row.captured_at,
            "received_at": row.received_at,
            "decided_at": row.decided_at,
        }
    return {
        "mission_id": row.mission_id,
        "mission_status": row.mission_status,
        "round": row.round,
        "store": {
            "id": row.store_id,
            "name": row.store_name,
            "address": row.address,
            "external_ref": row.external_ref,
            "latitude": row.latitude,
            "longitude": row.longitude,
        },
        "result": result,
    }


def _answers(
    submitted: list[dict[str, Any]] | None, products: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """One row of the default form's answers per campaign product, in its order; a product
    not reported has nulls."""
    by_sku = {a.get("sku"): a for a in product_rows(submitted)}
    answers = []
    for sku, name in products:
        answer = by_sku.get(sku, {})
        answers.append(
            {
                "sku": sku,
                "product_name": name,
                "count": answer.get("count"),
                "out_of_stock": answer.get("out_of_stock"),
                "price": answer.get("price"),
            }
        )
    return answers


def csv_lines(results: CampaignResults) -> Iterator[str]:
    """The results as CSV, one line at a time: a header, then a row per store and product."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Sequence[Any]) -> str:
        writer.writerow([aggregates.csv_safe(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(csv_header(results.questions))
    for item in results.items:
        for cells in _csv_rows(item, results.products, results.questions):
            yield line(cells)


def _csv_rows(
    item: dict[str, Any], products: list[tuple[str, str]], questions: list[dict[str, Any]]
) -> Iterator[list[Any]]:
    store, result = item["store"], item["result"] or {}
    answers = {a["sku"]: a for a in result.get("answers", [])}
    given = {(a["question_id"], a.get("sku")): a["value"] for a in result.get("form_answers", [])}
    photos = result.get("photos", [])
    photo_urls = " ".join(p["url"] for p in photos if not p["erased"])
    erased = sum(1 for p in photos if p["erased"]) if result else None
    for sku, name in products:
        answer = answers.get(sku, {})
        price = answer.get("price") or {}
        yield [
            store["id"],
            store["name"],
            store["address"],
            store["external_ref"],
            store["latitude"],
            store["longitude"],
            item["mission_id"],
            item["mission_status"],
            result.get("outcome"),
            sku,
            name,
            answer.get("count"),
            _csv_bool(answer.get("out_of_stock")),
            price.get("amount_minor"),
            price.get("currency"),
            _iso(result.get("captured_at")),
            _iso(result.get("received_at")),
            _iso(result.get("decided_at")),
            photo_urls,
            erased,
            item["round"],
            *(
                _csv_value(q, given.get((q["id"], sku if q["per"] == "product" else None)), photos)
                for q in questions
            ),
        ]


def _csv_value(question: dict[str, Any], value: Any, photos: list[dict[str, Any]]) -> Any:
    """An answer as one cell: a price in minor units of the campaign's currency, a photo as
    its link, several choices as a JSON list, yes or no as true or false."""
    if value is None:
        return None
    kind = question["type"]
    if kind == "yes_no":
        return _csv_bool(value)
    if kind == "price":
        return value.get("amount_minor") if isinstance(value, dict) else None
    if kind == "multiple_choice":
        return json.dumps(value, ensure_ascii=False)
    if kind == "photo":
        shown = [p for p in photos if p["position"] == value and not p["erased"]]
        return shown[0]["url"] if shown else None
    return value


def geojson(results: CampaignResults) -> dict[str, Any]:
    """The results as a GeoJSON FeatureCollection: a Point per store, [longitude, latitude]."""
    return {
        "type": "FeatureCollection",
        "campaign_id": results.campaign_id,
        "features": [_feature(item) for item in results.items],
    }


def _feature(item: dict[str, Any]) -> dict[str, Any]:
    store, result = item["store"], item["result"]
    if result is not None:
        result = result | {
            key: _iso(result[key]) for key in ("captured_at", "received_at", "decided_at")
        }
    return {
        "type": "Feature",
        "id": item["mission_id"],
        "geometry": {"type": "Point", "coordinates": [store["longitude"], store["latitude"]]},
        "properties": {
            "store_id": store["id"],
            "store_name": store["name"],
            "store_address": store["address"],
            "store_external_ref": store["external_ref"],
            "mission_id": item["mission_id"],
            "mission_status": item["mission_status"],
            "round": item["round"],
            "result": result,
        },
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _csv_bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")
