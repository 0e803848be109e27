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
            limited = requests.post(
                f"{api}/test-only/fail-after-limiter",
                json={"email": "ana.lopez@example.org"},
                timeout=30,
            )
            assert limited.status_code == 500
            wait_until(lambda: len(reported(sentry, "LookupError")) > 1 or None, 60, "2 reports")
            raws = [raw for _event, raw in reported(sentry, "LookupError")]
    assert event["environment"] == "test"
    assert event["tags"]["request_id"] == "abc123"
    assert event["request"]["url"].endswith("/api/v1/test-only/fail")
    assert {name.lower() for name in event["request"]["headers"]}.isdisjoint(
        {"authorization", "cookie"}
    )
    assert "data" not in event["request"]
    for secret in (BEARER.split()[1], "c00kie", IBAN, "s3cr3t-t0ken-value", "link-token-in-query"):
        assert secret.encode() not in raw
    assert len(raws) == 2
    for sent in raws:
        assert b"ana.lopez" not in sent
        assert b"@example.org" not in sent


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


def test_scrub_masks_addresses_in_errors_breadcrumbs_and_spans(db):
    from sqlalchemy.exc import IntegrityError

    from backend.accounts.models import User

    # A sign-up's duplicate address, as the database words it (PostgreSQL names the key).
    def ana():
        return User(
            email="ana.lopez@example.org",
            display_name="Ana Lopez",
            role="worker",
            password_hash="x",
        )

    with db.transaction() as session:
        session.add(ana())
        session.flush()
        session.add(ana())
        with pytest.raises(IntegrityError) as raised:
            session.flush()
        session.rollback()
    event = {
        "exception": {"values": [{"type": "IntegrityError", "value": str(raised.value)}]},
        "breadcrumbs": {
            "values": [
                {"category": "redis", "message": "INCRBY LIMITER/login:ana.lopez@example.org 1"}
            ]
        },
        "spans": [
            {
                "op": "db.redis",
                "description": "GET login:ana.lopez@example.org",
                "data": {"redis.key": "login:ana.lopez@example.org"},
            }
        ],
        "logentry": {"message": "SMTPRecipientsRefused({'ana.lopez@example.org': (550, b'no')})"},
    }
    text = repr(scrub(event, {}))
    assert "@" not in text
    assert "ana.lopez" not in text
    assert "Ana Lopez" not in text
