"""HTTP endpoints for resumable submissions: declare the evidence, then send each photo with
the tus 1.0.0 protocol (HEAD for the offset, PATCH for the bytes), resuming after a cut."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from apiflask import APIBlueprint
from flask import Response, request
from werkzeug.exceptions import ClientDisconnected

from backend.accounts.access import requires
from backend.accounts.auth import auth, current_user
from backend.db import end_request_transaction, get_db, request_session
from backend.errors import DomainError, LengthRequired, PreconditionFailed, UnsupportedMediaType
from backend.i18n import gettext
from backend.idempotency.service import idempotent
from backend.kernel.clock import utcnow
from backend.settings import current_settings
from backend.storage import photo_store
from backend.submissions.service import UploadLimits
from backend.uploads import queries, rules, service
from backend.uploads.presenters import submission_uploads_out, upload_out
from backend.uploads.schemas import ResumableSubmissionIn, UploadOut, UploadsOut

bp = APIBlueprint("uploads", __name__, url_prefix="/api/v1", tag="Uploads")


@bp.after_request
def _tus_headers(response: Response) -> Response:
    response.headers["Tus-Resumable"] = rules.TUS_VERSION
    if request.method == "OPTIONS":
        response.status_code = 204
        response.headers["Tus-Version"] = rules.TUS_VERSION
        response.headers["Tus-Extension"] = rules.TUS_EXTENSIONS
        response.headers["Tus-Max-Size"] = str(current_settings().photo_max_bytes)
        response.headers["Tus-Checksum-Algorithm"] = ",".join(rules.CHECKSUM_ALGORITHMS)
    return response


def _limits() -> UploadLimits:
    return UploadLimits.from_settings(current_settings())


def _policy() -> service.UploadPolicy:
    settings = current_settings()
    return service.UploadPolicy(
        expiry=timedelta(hours=settings.upload_expiry_hours),
        lock_wait_s=settings.upload_lock_wait_seconds,
    )


@bp.post("/assignments/<assignment_id>/resumable-submission")
@bp.auth_required(auth, roles=["worker"])
@idempotent
@bp.input(ResumableSubmissionIn, arg_name="body")
@bp.output(UploadsOut, status_code=201)
@bp.doc(
    summary="Declare a submission whose photos follow as resumable (tus) uploads",
    description=(
        "The evidence (`payload`, as for the multipart submission) and each photo's size and "
        "sha256. The claim's clock stops here: evidence captured in time is accepted for "
        "FAIRFIELD_SUBMISSION_GRACE_MINUTES after the claim ran out, and the photos then have "
        "FAIRFIELD_UPLOAD_EXPIRY_HOURS to arrive. The submission stays `uploading`, and is "
        "validated, only once every photo is in whole and hashes to its declared sha256."
    ),
    responses=[401, 403, 404, 409, 413, 422],
)
def declare(assignment_id: str, body: dict[str, Any]) -> Any:
    submission, uploads = service.declare_submission(
        db_session=request_session(),
        worker=current_user(),
        assignment_id=assignment_id,
        payload=body["payload"],
        photos=body["photos"],
        limits=_limits(),
        policy=_policy(),
        now=utcnow(),
    )
    return submission_uploads_out(submission, uploads)


@bp.get("/submissions/<submission_id>/uploads")
@bp.auth_required(auth)
@requires("results:read")
@bp.output(UploadsOut)
@bp.doc(
    summary="A resumable submission's uploads, and how far each got",
    responses=[401, 403, 404],
)
def list_uploads(submission_id: str) -> Any:
    return queries.submission_uploads(
        db_session=request_session(),
        submission_id=submission_id,
        user=current_user(),
        store=photo_store(),
    )


def _offset_headers(state: service.UploadState, offset: int) -> dict[str, str]:
    return {
        "Upload-Offset": str(offset),
        "Upload-Length": str(state.length),
        "Upload-Expires": rules.http_date(state.expires_at),
        "Cache-Control": "no-store",
    }


@bp.get("/uploads/<upload_id>")
@bp.auth_required(auth, roles=["worker"])
@bp.output(UploadOut)
@bp.doc(
    summary="An upload's offset (tus HEAD): how many of its bytes are in",
    description="HEAD answers with Upload-Offset and Upload-Length and no body.",
    responses=[401, 403, 404, 410],
)
def get_upload(upload_id: str) -> Any:
    state = service.upload_state(
        db_session=request_session(),
        upload_id=upload_id,
        worker_id=current_user().id,
        store=photo_store(),
        now=utcnow(),
        wait_s=_policy().lock_wait_s,
    )
    return upload_out(state), 200, _offset_headers(state, state.offset)


def _chunk_headers() -> tuple[int, int, rules.Checksum | None]:
    """A PATCH's tus headers, checked: (Upload-Offset, Content-Length, Upload-Checksum)."""
    if request.headers.get("Tus-Resumable") != rules.TUS_VERSION:
        raise PreconditionFailed(
            gettext("Send Tus-Resumable: %(version)s.", version=rules.TUS_VERSION),
            code="tus_version_unsupported",
            errors={"Tus-Resumable": [f"Must be {rules.TUS_VERSION}."]},
        )
    if request.mimetype != rules.OFFSET_OCTET_STREAM:
        raise UnsupportedMediaType(
            gettext("Send the bytes as %(type)s.", type=rules.OFFSET_OCTET_STREAM),
            errors={"Content-Type": [f"Must be {rules.OFFSET_OCTET_STREAM}."]},
        )
    try:
        offset = rules.parse_offset(request.headers.get("Upload-Offset"))
        checksum = rules.parse_checksum(request.headers.get("Upload-Checksum"))
    except rules.HeaderError as exc:
        raise DomainError(
            str(exc), errors={exc.header: [str(exc)]}, code="invalid_header"
        ) from None
    if request.content_length is None:
        raise LengthRequired(
            gettext("Send Content-Length."), errors={"Content-Length": ["Missing."]}
        )
    return offset, request.content_length, checksum


class _RequestChunk:
    """The request body as a chunk: a cut connection ends it early rather than failing."""

    def __init__(self, check: rules.ChunkCheck) -> None:
        self.check = check
        self.cut = False

    def read(self, size: int) -> bytes:
        if self.cut:
            return b""
        try:
            data = request.stream.read(size)
        except (ClientDisconnected, OSError):
            self.cut = True
            return b""
        self.check.saw(data)
        return data

    def accept(self) -> bool:
        return self.check.verified()


@bp.patch("/uploads/<upload_id>")
@bp.auth_required(auth, roles=["worker"])
@bp.doc(
    summary="Send bytes of an upload from Upload-Offset (tus PATCH)",
    description=(
        "Content-Type application/offset+octet-stream, Tus-Resumable 1.0.0, Upload-Offset "
        "(must equal the upload's offset, else 409 with the right one), optionally "
        "Upload-Checksum (`sha1|sha256|md5 <base64>`; a mismatch is 460 and the chunk is "
        "dropped). Bytes that arrived before a cut connection are kept. A full disk answers "
        "507 with `Retry-After` and keeps none of the chunk: send it again from the same "
        "offset. The last chunk completes the photo; the last photo completes the submission."
    ),
    responses=[204, 400, 401, 403, 404, 409, 410, 411, 413, 415, 423, 460, 507],
)
def patch_upload(upload_id: str) -> Response:
    offset, size, checksum = _chunk_headers()
    worker_id, store, now = current_user().id, photo_store(), utcnow()
    # The body may take minutes on a bad network: hold no transaction while it arrives.
    end_request_transaction()
    with get_db().transaction(write=False) as db_session:
        state = service.upload_state(
            db_session=db_session, upload_id=upload_id, worker_id=worker_id, store=store, now=now
        )
    chunk = _RequestChunk(rules.ChunkCheck(size, checksum))
    end = service.receive_chunk(
        upload=state,
        offset=offset,
        size=size,
        chunk=chunk,
        store=store,
        wait_s=_policy().lock_wait_s,
    )
    if end > offset:
        with get_db().transaction(write=False) as db_session:
            service.drop_if_finished(
                db_session=db_session, upload_id=upload_id, store=store, length=state.length
            )
    if end == state.length and not state.complete:
        # Hashed and stored before the write transaction that accepts it begins.
        max_bytes = _limits().max_photo_bytes
        service.store_upload(
            upload_id=upload_id,
            position=state.position,
            sha256=state.sha256,
            length=state.length,
            store=store,
            max_photo_bytes=max_bytes,
        )
        service.finish_upload(
            db_session=request_session(),
            upload_id=upload_id,
            store=store,
            max_photo_bytes=max_bytes,
            now=utcnow(),
            bytes_stored=True,
        )
    return Response(status=204, headers=_offset_headers(state, end))
