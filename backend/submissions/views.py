"""HTTP endpoints for submissions and their photos."""

from __future__ import annotations

import hashlib
import json
from typing import Any, BinaryIO, cast

from apiflask import APIBlueprint
from flask import Response, g, request, stream_with_context
from flask import json as flask_json  # the app's JSON provider, as the API answers
from marshmallow import ValidationError

from backend.accounts.access import requires
from backend.accounts.auth import BRAND_SIDE, auth, current_api_key, current_user
from backend.accounts.models import User
from backend.campaigns.models import Campaign
from backend.campaigns.results_schemas import CampaignResultsOut, ResultsQuery
from backend.campaigns.round_schemas import OutOfStockTrendOut
from backend.db import get_db, read_snapshot, request_session
from backend.errors import Invalid, flatten_validation, not_found
from backend.guards import text_problems
from backend.i18n import gettext
from backend.idempotency.service import idempotent
from backend.kernel import links
from backend.kernel.clock import utcnow
from backend.organisations.acts import record_act
from backend.schemas import PageQuery
from backend.settings import current_settings
from backend.storage import photo_store
from backend.submissions import photos, queries, results, service, trend
from backend.submissions.presenters import accepted_out
from backend.submissions.schemas import (
    AcceptedOut,
    PhotoQuery,
    SubmissionForm,
    SubmissionListOut,
    SubmissionOut,
    SubmissionPayload,
)

bp = APIBlueprint("submissions", __name__, url_prefix="/api/v1", tag="Submissions")

_PAYLOAD = SubmissionPayload()


def _parts_digest() -> bytes:
    """What identifies an upload across retries: the payload and each photo's sha256."""
    digests = []
    for photo in request.files.getlist("photos"):
        digest = hashlib.sha256()
        while chunk := photo.stream.read(1 << 16):
            digest.update(chunk)
        photo.stream.seek(0)
        digests.append(digest.hexdigest().encode())
    return b"\n".join([request.form.get("payload", "").encode(), *digests])


def _payload() -> dict[str, Any]:
    raw = request.form.get("payload")
    if raw is None:
        raise Invalid(gettext("The `payload` part is missing."), errors={"payload": ["Missing."]})
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise Invalid(
            gettext("The `payload` part is not JSON."), errors={"payload": ["Not valid JSON."]}
        ) from exc
    bad_text = text_problems(data, "payload")
    if bad_text:
        raise Invalid(
            gettext("The `payload` part contains text that is not valid."), errors=bad_text
        )
    try:
        loaded: dict[str, Any] = _PAYLOAD.load(data)
    except ValidationError as exc:
        flat = flatten_validation({"json": exc.messages})
        errors = {("payload" if k == "body" else f"payload.{k}"): v for k, v in flat.items()}
        raise Invalid(
            gettext("The `payload` part did not validate; see `errors`."), errors=errors
        ) from exc
    return loaded


@bp.post("/assignments/<assignment_id>/submission")
@bp.auth_required(auth, roles=["worker"])
@idempotent(body=_parts_digest)
@bp.input(SubmissionForm, location="form_and_files", arg_name="form")
@bp.output(AcceptedOut, status_code=202)
@bp.doc(
    summary="Send counts and shelf photos for an assignment; validation runs in the background",
    description=(
        "multipart/form-data: part `payload` (JSON: outcome, answers, latitude, longitude, "
        "accuracy_m, captured_at) and one or more `photos` parts (JPEG). Evidence captured "
        "before the claim ran out is accepted for FAIRFIELD_SUBMISSION_GRACE_MINUTES after. "
        "`answers` answer the mission's `task.questions` as `{question_id, sku?, value}`: "
        "each required question shown answered, none whose `show_if` does not hold, each "
        "value of its type; otherwise 422 naming `answers.<question_id>`. Today's "
        "`{sku, count, out_of_stock, price?}` still works and means the questions `count`, "
        "`out_of_stock` and `price` of that product; a payload only of those is held to "
        "their types, and a product missing or unknown is left to the checks, as before."
    ),
    responses=[401, 403, 404, 409, 413, 422, 507],
)
def submit(assignment_id: str, form: dict[str, Any]) -> Any:
    # `form` is parsed for the document and its presence checks; the parts are read from
    # the request itself, so photos stream from werkzeug's spooled files untouched.
    submission_args: dict[str, Any] = {
        "worker": current_user(),
        "assignment_id": assignment_id,
        "payload": _payload(),
        "photos": [cast(BinaryIO, part.stream) for part in request.files.getlist("photos")],
        "limits": service.UploadLimits.from_settings(current_settings()),
        "now": utcnow(),
    }
    # Refused before any photo is stored, from a read that takes no write lock; the photos
    # are then stored before the write transaction begins (SQLite has one writer at a time).
    with read_snapshot() as snapshot:
        service.check_submission(db_session=snapshot, **submission_args)
    submission = service.receive_submission(
        db_session=request_session(), store=photo_store(), **submission_args
    )
    return accepted_out(submission)


@bp.get("/submissions/<submission_id>")
@bp.auth_required(auth)
@requires("results:read")
@bp.output(SubmissionOut)
@bp.doc(
    summary="A submission with its photos, every check and the decision",
    responses=[401, 403, 404],
)
def get_submission(submission_id: str) -> Any:
    return queries.submission_detail(
        db_session=request_session(), submission_id=submission_id, user=current_user()
    )


_PHOTO_RESPONSES: dict[int | str, Any] = {
    200: {
        "description": "The image, with a strong `ETag`",
        "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
    },
    302: "With FAIRFIELD_PHOTO_STORE=s3: the image is at `Location`, a presigned URL of the "
    "bucket, valid for what the signed link has left (a bearer request: an hour), and never "
    "longer than `FAIRFIELD_PHOTO_LINK_TTL_SECONDS`",
    304: "Not modified: `If-None-Match` names the image's `ETag`",
    401: "Unauthorized: neither a signed link nor a bearer token",
    403: "Forbidden: an API key without `results:read` (`insufficient_scope`)",
    404: "No such photo visible to the caller (or to a signed link's viewer); a signed link "
    "with any part altered, or expired; `photo_erased` once its worker was forgotten",
    422: "Validation error: `variant` is not full, review or thumb (bearer requests)",
}


@bp.get("/me/submissions")
@bp.auth_required(auth, roles=["worker"])
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(SubmissionListOut)
@bp.doc(
    summary="Your submissions, newest first: each claim's evidence and where it stands",
    responses=[401, 403, 422],
)
def my_submissions(query: dict[str, Any]) -> Any:
    return queries.worker_submissions_page(
        db_session=request_session(), worker_id=current_user().id, **query
    )


@bp.get("/photos/<photo_id>")
@bp.auth_required(auth, optional=True)  # type: ignore[arg-type]  # typed str, read as a flag
@requires("results:read")
@bp.input(PhotoQuery, location="query", arg_name="query")
@bp.doc(
    summary="A photo: as taken for its worker and admins; for the brand, without metadata",
    description=(
        "Photo objects in answers carry signed links to this endpoint (`url`, `review_url`, "
        "`thumbnail_url`): with `viewer`, `expires` and `signature` no Authorization header "
        "is needed, and the photo is shown as its viewer would see it with a token, while "
        "that viewer may still see it. A bearer request may ask for a `variant` too. A brand "
        "gets the photos of its approved submissions only; any other photo answers 404 "
        "`not_found`, as one that does not exist. An erased photo answers 404 `photo_erased`. "
        "`review` and `thumb` are smaller copies without metadata, made once."
    ),
    responses=_PHOTO_RESPONSES,
)
def get_photo(photo_id: str, query: dict[str, Any]) -> Response:
    now = utcnow().timestamp()
    # A request that says who it is (a bearer token) is answered as that user, signature or
    # not: a signed link stands in for the header only where none can be sent.
    if "signature" in request.args and "Authorization" not in request.headers:
        user, variant, max_age = _link_asker(photo_id, now)
    elif auth.current_user is None:
        return auth.auth_error_callback(401)
    else:
        user, variant, max_age = current_user(), _bearer_variant(query), 3600
    photo = photos.visible_photo(db_session=request_session(), photo_id=photo_id, user=user)
    settings, store = current_settings(), photo_store()
    found = photos.photo_url(
        photo=photo,
        user=user,
        variant=variant,
        store=store,
        max_pixels=settings.photo_max_pixels,
        seen_for_s=max_age,
        link_ttl_s=settings.photo_link_ttl_seconds,
    )
    if found is not None:
        return Response(status=302, headers={"Location": found, "Cache-Control": "no-store"})
    data = photos.photo_bytes(
        photo=photo, user=user, variant=variant, store=store, max_pixels=settings.photo_max_pixels
    )
    response = Response(data, mimetype="image/jpeg")
    response.set_etag(hashlib.sha256(data).hexdigest())  # strong: the bytes themselves
    response.headers["Content-Disposition"] = f'inline; filename="{photo_id}.jpg"'
    response.headers["Cache-Control"] = f"private, max-age={max_age}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Authorization")  # a bearer answer depends on who asks
    return cast(Response, response.make_conditional(request))


def _link_asker(photo_id: str, now: float) -> tuple[User, str, int]:
    """Who a signed link speaks for, the size it names and how long it still lives; any
    part altered, the link expired or its viewer gone answers as a photo that does not exist."""
    key = current_settings().secret_key.encode()
    link = links.verified(key, photo_id, request.args, now=now)
    if link is None:
        raise not_found("photo")
    viewer = photos.link_viewer(db_session=request_session(), viewer_id=link.viewer_id)
    if viewer is None:
        raise not_found("photo")
    g.user_id = viewer.id  # for the request log, and any link made while answering
    return viewer, link.variant, link.seconds_left(now)


def _bearer_variant(query: dict[str, Any]) -> str:
    variant: str = query["variant"]
    if variant not in links.VARIANTS:
        raise Invalid(
            gettext("`variant` must be full, review or thumb."),
            errors={"variant": ["Must be one of: full, review, thumb."]},
        )
    return variant


# The JSON shape comes from @bp.output; CSV and GeoJSON are documented beside it.
_RESULTS_FORMATS: dict[str, dict[str, Any]] = {
    "text/csv": {
        "schema": {
            "type": "string",
            "description": "a row per store and product; after today's columns, one column "
            "`answer.<question_id>` per question (a question per product: that row's "
            "product's answer; per store: the store's). Prices in minor units of the "
            "campaign's currency, photos as their link, several choices as a JSON list",
        }
    },
    "application/geo+json": {
        "schema": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "campaign_id": {"type": "string"},
                "features": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}

# Error statuses given as text get APIFlask's problem schema, as the list form gives them.
_RESULTS_RESPONSES: dict[int | str, Any] = {
    200: {"description": "The results", "content": _RESULTS_FORMATS},
    401: "Unauthorized",
    403: "Forbidden: not a brand or an admin",
    404: "No such campaign of the caller's",
    422: "Validation error: `format` is not json, csv or geojson, or `round` is not a round "
    "the campaign opened",
}


@bp.get("/campaigns/<campaign_id>/results")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("results:read")
@bp.input(ResultsQuery, location="query", arg_name="query")
@bp.output(CampaignResultsOut)
@bp.doc(
    summary="Approved results per store and product, with coverage, stock and spend",
    tags=["Campaigns"],  # a campaign's page in the document; served here, above campaigns
    description=(
        "`format=json` (default) is the whole campaign with its `questions`; `csv` streams a "
        "row per store and product, with a column per question; `geojson` is a "
        "FeatureCollection of store points, each result (with every answer, "
        "`form_answers`) in its properties. Only approved submissions contribute; nothing "
        "identifies or locates the worker. `round=N` keeps round N of a recurring campaign "
        "(422 naming `round` for a value that is not a round it opened); left out, every "
        "round, each item, CSV row and feature carrying its `round`."
    ),
    responses=_RESULTS_RESPONSES,
)
def campaign_results(campaign_id: str, query: dict[str, Any]) -> Any:
    settings = current_settings()
    # A file downloaded is opened later than an answer is shown: its links live longer.
    exported = query["format"] in ("csv", "geojson")
    found = results.campaign_results(
        db_session=request_session(),
        user=current_user(),
        campaign_id=campaign_id,
        link_ttl_seconds=settings.export_link_ttl_seconds
        if exported
        else settings.photo_link_ttl_seconds,
        exported=exported,
        round_no=query["round"],
    )
    # A file, or a machine's read through a key, takes the results out; a person looking at
    # the campaign's page in the console does not, and would fill the log with every visit.
    if exported or current_api_key() is not None:
        _record_export(found.campaign_id, query["format"])
    if query["format"] == "csv":
        response = Response(stream_with_context(results.csv_lines(found)), mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="campaign-{found.campaign_id}-results.csv"'
        )
        return response
    if query["format"] == "geojson":
        return Response(flask_json.dumps(results.geojson(found)), mimetype="application/geo+json")
    return results.campaign_results_out(found)


@bp.get("/campaigns/<campaign_id>/results/out-of-stock-trend")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("results:read")
@bp.output(OutOfStockTrendOut)
@bp.doc(
    summary="Rounds compared: per store and round, the skus found out of stock",
    tags=["Campaigns"],
    description=(
        "Read from the approved answers to the form's `out_of_stock` question (per product, "
        "yes or no). Per store (by name), one entry per round opened: the skus out of stock "
        "(an empty list: none was), or null when the round has no approved result of the "
        "store with answers (not visited yet, or found closed)."
    ),
    responses=[401, 403, 404],
)
def out_of_stock_trend(campaign_id: str) -> Any:
    return trend.out_of_stock_trend(
        db_session=request_session(), user=current_user(), campaign_id=campaign_id
    )


def _record_export(campaign_id: str, export_format: str) -> None:
    """Write `results.exported` to the organisation's audit log. A read has no transaction
    of its own to join: the line is written apart, once the results were found (a 404 writes
    nothing), so a read request never takes the write lock."""
    campaign = request_session().get(Campaign, campaign_id)  # loaded by the results already
    assert campaign is not None
    with get_db().transaction() as session:
        record_act(
            db_session=session,
            brand_id=campaign.brand_id,
            action="results.exported",
            target_type="campaign",
            target_id=campaign_id,
            detail={"format": export_format},
        )
