"""Errors reach Sentry (a real local receiver standing in) when SENTRY_DSN is set, without
credentials, bodies or IBANs; nothing starts without it."""

from __future__ import annotations

import pytest
import requests
import sentry_sdk

from backend.observe.errors import MASK, scrub
from tests.support.load import gunicorn
from tests.support.observe import envelopes
from tests.support.processes import wait_until
from tests.support.receiver import always, receiver

IBAN = "NL91ABNA0417164300"
BEARER = "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def dsn_of(url):
    return url.replace("http://", "http://publickey@") + "/1"


def reported(sentry, exception_type):
    """The events Sentry was sent about an exception of this type, and the raw envelopes."""

    def found():
        hits = [
            (event, envelope.raw)
            for envelope in envelopes(sentry)
            for event in envelope.events
            if any(v.get("type") == exception_type for v in event["exception"]["values"])
        ]
        return hits or None

    return wait_until(found, 60, f"a report of {exception_type}")


@pytest.mark.integration
def test_an_unexpected_error_in_a_view_reaches_sentry_scrubbed(app_config, tmp_path):
    with receiver(always(200)) as sentry:
        config = app_config | {"SENTRY_DSN": dsn_of(sentry.url), "SENTRY_ENVIRONMENT": "test"}
        failing = "tests.support.observe:failing_app()"
        with gunicorn(config, tmp_path / "gunicorn.log", workers=1, app=failing) as api:
            answer = requests.post(
                f"{api}/test-only/fail",
                params={"token": "link-token-in-query"},
                json={"iban": IBAN, "token": "s3cr3t-t0ken-value"},
                headers={
                    "Authorization": BEARER,
                    "Cookie": "session=c00kie",
                    "X-Request-ID": "abc123",
                },
                timeout=30,
            )
            assert answer.status_code == 500
            ((event, raw), *_) = reported(sentry, "LookupError")
    assert event["environment"] == "test"
    assert event["tags"]["request_id"] == "abc123"
    assert event["request"]["url"].endswith("/api/v1/test-only/fail")
    assert {name.lower() for name in event["request"]["headers"]}.isdisjoint(
        {"authorization", "cookie"}
    )
    assert "data" not in event["request"]
    for secret in (BEARER.split()[1], "c00kie", IBAN, "s3cr3t-t0ken-value", "link-token-in-query"):
        assert secret.encode() not in raw


@pytest.mark.integration
def test_a_failing_task_reaches_sentry(app, start_worker):
    with receiver(always(200)) as sentry:
        worker = start_worker(SENTRY_DSN=dsn_of(sentry.url))
        # A message its task cannot take (an argument missing): the task fails in the worker.
        app.extensions["celery"].send_task(
            "ops.complete_pipeline_check", args=[], headers={"request_id": "abc123"}
        )
        ((event, _raw), *_) = reported(sentry, "TypeError")
        worker.stop()
    assert event["tags"]["request_id"] == "abc123"
    assert event["transaction"] == "ops.complete_pipeline_check"
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "celery"


def test_without_a_dsn_sentry_is_not_started(client):
    assert client.get("/healthz").status_code == 200
    assert not sentry_sdk.is_initialized()


def test_scrub_drops_credentials_and_bodies_and_masks_ibans_and_tokens():
    spaced = " ".join(IBAN[i : i + 4] for i in range(0, len(IBAN), 4))
    event = {
        "request": {
            "url": "https://api.example/api/v1/payouts?token=abc",
            "query_string": "token=abc",
            "data": {"iban": IBAN},
            "cookies": {"session": "x"},
            "headers": {"Authorization": BEARER, "X-Api-Key": "k", "Accept": "text/html"},
        },
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"bad IBAN {spaced}",
                }
            ]
        },
        "logentry": {"message": "sending with api key=0123456789abcdef"},
    }
    scrubbed = scrub(event, {})
    assert scrubbed["request"] == {
        "url": "https://api.example/api/v1/payouts",
        "headers": {"Accept": "text/html"},
    }
    assert scrubbed["exception"]["values"][0]["value"] == f"bad IBAN {MASK}"
    assert scrubbed["logentry"]["message"] == f"sending with api key={MASK}"
