"""The mail channel: queued in the request's transaction, sent by the `mail.send` task after
the commit, once, as an .eml file or through a real SMTP server, in the account's language."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from backend import create_app
from backend.config import BadSetting
from backend.mail.models import MailMessage
from backend.outbox.models import OutboxMessage
from tests.support.mail import (
    link_in,
    mail_dir,
    parts,
    queued_mail,
    read_eml,
    run_mail,
    smtp_server,
    token_in,
)
from tests.support.processes import wait_until

REGISTER = "/api/v1/auth/register"


def register(client, email="ana@example.org", **extra):
    body = {"email": email, "password": "a long enough password", "role": "worker"}
    response = client.post(REGISTER, json=body | {"display_name": "Ana <b>"} | extra)
    assert response.status_code == 201, response.json
    return response


def mail_rows(db):
    with db.transaction(write=False) as session:
        return session.scalars(select(MailMessage).order_by(MailMessage.created_at)).all()


def test_a_sign_up_mails_one_eml_file_with_a_text_and_an_html_part(app, client, db):
    register(client)
    assert read_eml(app) == []  # nothing is sent inside the request
    assert run_mail(app, db) == ["sent"]

    (message,) = read_eml(app)
    assert message["To"] == "ana@example.org"
    assert message["From"] == "Fairfield <no-reply@localhost>"
    assert message["Subject"] == "Confirm your email address for Fairfield"
    assert message.get_content_type() == "multipart/alternative"
    (row,) = mail_rows(db)
    assert message["Message-ID"] == f"<{row.id}@localhost>"
    assert (row.status, row.attempts, row.kind) == ("sent", 0, "email_verification")
    assert row.sent_at is not None

    text, html = parts(message)
    link = link_in(message, "/verify-email")
    assert "Hello Ana <b>," in text
    assert "7 days" in text
    assert f'href="{link}"' in html
    assert "Ana &lt;b&gt;" in html
    assert "<b>," not in html
    # Written whole: no temporary file is left beside it.
    assert [p.name for p in mail_dir(app).iterdir() if not p.name.endswith(".eml")] == []


def test_the_stored_rows_never_hold_the_token(app, client, db):
    register(client)
    run_mail(app, db)
    token = token_in(read_eml(app)[0], "/verify-email")
    from tests.support.tables import stored_values

    assert [table for table, text in stored_values(db) if token in text] == []


def test_a_copy_of_the_task_sends_nothing_again(app, client, db):
    from workers.mail import send

    register(client)
    ((mail_id, task_id),) = queued_mail(db)
    with app.app_context():
        first = send.apply(args=[mail_id], task_id=task_id, throw=True).get()
        again = send.apply(args=[mail_id], task_id=task_id, throw=True).get()
        # A copy with another task id (sent by hand, or a second outbox row) too.
        other = send.apply(args=[mail_id], throw=True).get()
    assert (first, again, other) == ("sent", "done", "done")
    assert len(read_eml(app)) == 1
    with db.transaction(write=False) as session:
        assert session.get(OutboxMessage, task_id).done_at is not None


@pytest.mark.parametrize(
    ("locale", "subject", "words"),
    [
        ("fr", "Confirmez votre adresse e-mail pour Fairfield", "7 jours"),
        ("nl", "Bevestig je e-mailadres voor Fairfield", "7 dagen"),
        ("en", "Confirm your email address for Fairfield", "7 days"),
    ],
)
def test_mail_is_written_in_the_accounts_language(app, client, db, locale, subject, words):
    register(client, locale=locale)
    run_mail(app, db)
    (message,) = read_eml(app)
    assert message["Subject"] == subject
    assert message["Content-Language"] == locale
    assert words in parts(message)[0]
    assert f'lang="{locale}"' in parts(message)[1]


def test_without_a_locale_the_sign_up_takes_accept_language(app, client, db):
    body = {
        "email": "zoe@example.org",
        "password": "a long enough password",
        "role": "worker",
        "display_name": "Zoë",
    }
    created = client.post(REGISTER, json=body, headers={"Accept-Language": "nl-BE, fr;q=0.8"})
    assert created.json["locale"] == "nl"
    run_mail(app, db)
    assert read_eml(app)[0]["Subject"] == "Bevestig je e-mailadres voor Fairfield"


def test_a_real_smtp_server_receives_the_mail_with_the_login_of_the_url(app_config, db, caplog):
    with smtp_server() as inbox:
        app = create_app(app_config | {"SMTP_URL": inbox.url})
        register(app.test_client(), email="bo@example.org")
        with caplog.at_level(logging.DEBUG):
            assert run_mail(app, db) == ["sent"]
    assert inbox.logins == [("mailer", "s3cret pass")]
    ((sender, recipients, message),) = inbox.received
    assert (sender, recipients) == ("no-reply@localhost", ["bo@example.org"])
    assert message["Subject"] == "Confirm your email address for Fairfield"
    token = token_in(message, "/verify-email")
    assert token not in caplog.text
    assert not mail_dir(app).exists() or list(mail_dir(app).iterdir()) == []  # SMTP only
    app.extensions["fairfield.db"].engine.dispose()


def test_a_server_down_leaves_the_mail_queued_for_the_sweeper(app_config, db, caplog):
    from tests.support.mail import free_port

    app = create_app(app_config | {"SMTP_URL": f"smtp://127.0.0.1:{free_port()}"})
    register(app.test_client(), email="cy@example.org")
    ((_mail_id, task_id),) = queued_mail(db)
    with caplog.at_level(logging.INFO):
        assert run_mail(app, db) == ["retry"]
    (row,) = mail_rows(db)
    assert (row.status, row.attempts, row.sent_at) == ("queued", 1, None)
    assert "ConnectionRefusedError" in row.last_error
    with db.transaction(write=False) as session:
        assert session.get(OutboxMessage, task_id).done_at is None  # the sweeper resends it
    assert "token=" not in caplog.text
    app.extensions["fairfield.db"].engine.dispose()


def test_a_mail_failing_again_and_again_is_given_up(app_config, db):
    from tests.support.mail import free_port

    app = create_app(app_config | {"SMTP_URL": f"smtp://127.0.0.1:{free_port()}"})
    register(app.test_client(), email="dee@example.org")
    from backend.mail.service import MAX_ATTEMPTS

    outcomes = [run_mail(app, db) for _ in range(MAX_ATTEMPTS)]
    assert outcomes == [["retry"]] * (MAX_ATTEMPTS - 1) + [["failed"]]
    (row,) = mail_rows(db)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert run_mail(app, db) == []  # nothing left to send
    app.extensions["fairfield.db"].engine.dispose()


@pytest.mark.integration
def test_a_real_worker_sends_the_sign_up_mail_over_smtp(client, db, start_worker):
    with smtp_server() as inbox:
        worker = start_worker(SMTP_URL=inbox.url)
        register(client, email="eve@example.org")
        wait_until(lambda: inbox.received, 60, "the worker to send the mail")
        ((_sender, recipients, message),) = inbox.received
        assert recipients == ["eve@example.org"]
        token = token_in(message, "/verify-email")
        verified = client.post("/api/v1/auth/verify-email", json={"token": token})
        assert verified.status_code == 204
        # The server has the mail before the worker commits it as sent: wait for that
        # commit, not only the delivery, before stopping the worker.
        wait_until(
            lambda: [r.status for r in mail_rows(db)] == ["sent"], 60, "the mail marked sent"
        )
        worker.stop()
    assert token not in worker.log.read_text()


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("SMTP_URL", "http://mailer:hunter2-password@host"),
        ("SMTP_URL", "smtp://mailer:hunter2-password@"),
        ("MAIL_FROM", "no address"),
        ("PUBLIC_URL", "ftp://example.org"),
        ("PASSWORD_RESET_TTL_SECONDS", 0),
    ],
)
def test_bad_mail_settings_stop_the_start_without_showing_a_password(app_config, key, bad):
    with pytest.raises(BadSetting) as refused:
        create_app(app_config | {key: bad})
    assert f"FAIRFIELD_{key}" in str(refused.value)
    assert "hunter2" not in str(refused.value)
