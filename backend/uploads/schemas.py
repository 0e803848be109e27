"""Request and response shapes for resumable submissions and their uploads."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, Range, Regexp

from backend.submissions.schemas import SubmissionPayload


class PhotoDeclared(Schema):
    size = Integer(
        required=True, strict=True, validate=Range(min=1), metadata={"description": "bytes"}
    )
    sha256 = String(
        required=True,
        validate=Regexp(r"^[0-9a-fA-F]{64}$", error="Must be a sha256 digest in hex."),
        metadata={"description": "of the whole file; checked once every byte is in"},
    )


class ResumableSubmissionIn(Schema):
    """The evidence without its photos, and what each photo will be."""

    payload = Nested(SubmissionPayload, required=True)
    photos = List(Nested(PhotoDeclared), required=True, validate=Length(min=1, max=100))


class UploadOut(Schema):
    id = String()
    position = Integer()
    size = Integer()
    sha256 = String()
    offset = Integer(metadata={"description": "bytes received; the next chunk starts here"})
    complete = Boolean()
    expires_at = DateTime()
    url = String(metadata={"description": "the tus upload URL: HEAD for the offset, PATCH bytes"})


class UploadsOut(Schema):
    submission_id = String()
    status = String(metadata={"description": "`uploading` until every photo is in"})
    uploads = List(Nested(UploadOut))
