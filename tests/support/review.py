"""Rejections and appeals as a test sends them over HTTP."""

from __future__ import annotations

from backend.ledger import service as ledger


def reject(client, headers, submission_id, code="missing_products"):
    response = client.post(
        f"/api/v1/submissions/{submission_id}/decision",
        json={"decision": "reject", "reason_code": code, "comment": "PAD-2 not in the photo."},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    return response


def appeal(client, waiting, message="PAD-2 is on the bottom shelf, left.", headers=None):
    return client.post(
        f"/api/v1/submissions/{waiting.submission_id}/appeal",
        json={"message": message},
        headers=headers or waiting.claimed.headers,
    )


def open_appeals(client, headers):
    response = client.get("/api/v1/appeals", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def decide_appeal(client, headers, appeal_id, body):
    return client.post(f"/api/v1/appeals/{appeal_id}/decision", json=body, headers=headers)


def balance(db, worker_id):
    with db.transaction(write=False) as session:
        return ledger.balance(db_session=session, account=f"worker:{worker_id}", currency="EUR")
