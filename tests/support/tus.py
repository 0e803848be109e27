"""A resumable submission as a phone makes it: declare, then send each photo with tus."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from tests.support.submitting import honest_payload

TUS = {"Tus-Resumable": "1.0.0"}


def declaration(photos: list[bytes], **payload: Any) -> dict[str, Any]:
    """The declaring body: an honest payload and each photo's size and digest."""
    return {
        "payload": honest_payload(**payload),
        "photos": [{"size": len(p), "sha256": hashlib.sha256(p).hexdigest()} for p in photos],
    }


@dataclass
class Tus:
    """The worker's side of the protocol, over Flask's test client."""

    client: Any
    headers: dict[str, str]

    def declare(self, assignment_id: str, body: dict[str, Any], key: str | None = None) -> Any:
        headers = self.headers | ({"Idempotency-Key": key} if key else {})
        return self.client.post(
            f"/api/v1/assignments/{assignment_id}/resumable-submission",
            json=body,
            headers=headers,
        )

    def head(self, url: str) -> Any:
        return self.client.head(url, headers=self.headers | TUS)

    def patch(
        self,
        url: str,
        offset: int,
        data: bytes,
        *,
        checksum: str | None = None,
        cut_after: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """PATCH `data` from `offset`; `cut_after` bytes in, the connection drops (the body
        ends before its Content-Length, as when a phone loses the network)."""
        sent = data if cut_after is None else data[:cut_after]
        extra = {
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(len(data)),
        }
        if checksum:
            digest = base64.b64encode(hashlib.new(checksum, data).digest()).decode()
            extra["Upload-Checksum"] = f"{checksum} {digest}"
        return self.client.patch(
            url,
            input_stream=io.BytesIO(sent),
            headers=self.headers | TUS | extra | (headers or {}),
        )

    def send(self, url: str, data: bytes, chunk: int = 64 * 1024) -> Any:
        offset, response = int(self.head(url).headers["Upload-Offset"]), None
        while offset < len(data):
            response = self.patch(url, offset, data[offset : offset + chunk])
            assert response.status_code == 204, response.json
            offset = int(response.headers["Upload-Offset"])
        return response
