"""The worker's notices: queued with the act, sent by the mail task after the commit, in the
worker's language with both parts; once per act; never when turned off or to the erased."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from backend.accounts.models import User
from backend.mail.models import MailMessage
from backend.missions.models import Mission
from backend.notices.rules import KINDS
from backend.review.models import Appeal
from backend.stores.models import Store
from backend.submissions import notices
from backend.submissions.models import Submission
from tests.support.factories import UserFactory
from tests.support.mail import parts, read_eml, run_mail
from tests.support.review import appeal, decide_appeal, reject
from workers.review import approve_overdue

APP = "http://127.0.0.1:8000/app/#"
MOIS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def store_of(db, waiting):
    with db.transaction(write=False) as session:
        return session.scalar(
            select(Store.name)
            .join(Mission, Mission.store_id == Store.id)
            .where(Mission.id == waiting.claimed.mission_id)
        )


def notice_rows(db):
    with db.transaction(write=False) as session:
        return session.scalars(
            select(MailMessage).where(MailMessage.kind.in_(KINDS)).order_by(MailMessage.created_at)
        ).all()


def decide(client, headers, submission_id, body, key=None):
    headers = headers | ({"Idempotency-Key": key} if key else {})
    return client.post(f"/api/v1/submissions/{submission_id}/decision", json=body, headers=headers)


def test_an_admin_rejection_mails_a_french_worker_the_reason_and_the_appeal_deadline(
    app, client, db, make, in_review, admin
):
    worker = make(UserFactory, locale="fr", display_name="Zoé <b>")
    waiting = in_review(worker=worker)
    assert run_mail(app, db) == []  # waiting for a person: nobody decided yet
    reject(client, admin(), waiting.submission_id)
    assert read_eml(app) == []  # nothing is sent inside the request
    assert run_mail(app, db) == ["sent"]

    (message,) = read_eml(app)
    store = store_of(db, waiting)
    assert message["To"] == worker.email
    assert message["Content-Language"] == "fr"
    assert message["Subject"] == f"Votre audit chez {store} a été rejeté"
    with db.transaction(write=False) as session:
        decided_at = session.get_one(Submission, waiting.submission_id).decided_at
    deadline = decided_at + timedelta(days=7)
    deadline_words = f"{deadline.day} {MOIS[deadline.month - 1]} {deadline.year}, {deadline:%H:%M}"
    text, html = parts(message)
    assert "Bonjour Zoé <b>," in text
    assert "Motif : Des produits demandés manquent dans les photos ou les réponses." in text
    assert "Commentaire du relecteur : « PAD-2 not in the photo. »" in text
    assert f"Vous pouvez faire appel jusqu'au {deadline_words} UTC" in text
    assert "choisissez « Faire appel »" in text
    link = f"{APP}/submission/{waiting.submission_id}"
    assert link in text.split()
    assert 'lang="fr"' in html
    assert f'href="{link}"' in html
    assert "Zoé &lt;b&gt;" in html
    (row,) = notice_rows(db)
    assert (row.kind, row.ref_id, row.status) == ("submission_rejected", worker.id, "sent")


def test_an_appeal_granted_mails_the_outcome_with_the_second_admins_comment(
    app, client, db, in_review, admin
):
    waiting = in_review()
    reject(client, admin(), waiting.submission_id)
    appeal_id = appeal(client, waiting).json["id"]
    second = admin()
    body = {"decision": "approve", "comment": "PAD-2 is there, bottom left."}
    assert decide_appeal(client, second, appeal_id, body).status_code == 200
    assert run_mail(app, db) == ["sent", "sent"]

    rejected, outcome = read_eml(app)
    store = store_of(db, waiting)
    assert rejected["Subject"] == f"Your audit at {store} was rejected"
    assert outcome["Subject"] == f"Your appeal about {store}: granted"
    text, _html = parts(outcome)
    assert (
        "Your appeal was granted: the submission is approved and 6.00 EUR is added to your "
        "balance." in text
    )
    assert "The reviewer's comment: “PAD-2 is there, bottom left.”" in text
    # Deciding it again is refused, and mails nothing more.
    again = decide_appeal(client, admin(), appeal_id, body)
    assert again.status_code == 409
    assert run_mail(app, db) == []
    assert [row.kind for row in notice_rows(db)] == ["submission_rejected", "appeal_decided"]


def test_an_appeal_refused_says_the_rejection_is_final(app, client, db, make, in_review, admin):
    waiting = in_review(worker=make(UserFactory, locale="nl"))
    reject(client, admin(), waiting.submission_id)
    appeal_id = appeal(client, waiting).json["id"]
    body = {"decision": "reject", "reason_code": "missing_products", "comment": "Niet zichtbaar."}
    assert decide_appeal(client, admin(), appeal_id, body).status_code == 200
    assert run_mail(app, db) == ["sent", "sent"]
    outcome = read_eml(app)[-1]
    assert outcome["Subject"] == f"Je bezwaar over {store_of(db, waiting)}: afgewezen"
    text, _html = parts(outcome)
    assert "de afwijzing blijft staan, en deze beslissing is definitief." in text
    assert "Opmerking van de beoordelaar: “Niet zichtbaar.”" in text


def test_machine_and_late_automatic_approvals_mail_too(app, client, db, in_review, admin):
    by_machine = in_review(review_required=False)
    late = in_review()
    late_appeal = in_review()
    reject(client, admin(), late_appeal.submission_id)
    appeal_id = appeal(client, late_appeal).json["id"]
    with db.transaction() as session:  # both waited past the review deadline (48 hours)
        submission = session.get_one(Submission, late.submission_id)
        waiting_appeal = session.get_one(Appeal, appeal_id)
        session.execute(
            update(Submission)
            .where(Submission.id == late.submission_id)
            .values(decided_at=submission.decided_at - timedelta(hours=49))
        )
        session.execute(
            update(Appeal)
            .where(Appeal.id == appeal_id)
            .values(created_at=waiting_appeal.created_at - timedelta(hours=49))
        )
    with app.app_context():
        assert approve_overdue.apply().get() == 2
    assert run_mail(app, db) == ["sent"] * 4

    by_subject = {m["Subject"]: parts(m)[0] for m in read_eml(app)}
    machine_text = by_subject[f"Your audit at {store_of(db, by_machine)} is approved"]
    assert "is approved: 6.00 EUR is added to your balance." in machine_text
    assert f"{APP}/submission/{by_machine.submission_id}" in machine_text.split()
    assert f"Your audit at {store_of(db, late)} is approved" in by_subject
    granted = by_subject[f"Your appeal about {store_of(db, late_appeal)}: granted"]
    assert "Nobody decided your appeal within the review deadline, so it is granted" in granted
    assert "comment" not in granted  # the deadline's own note is for admins


def test_a_repeated_decision_mails_once(app, client, db, in_review, admin):
    waiting = in_review()
    headers = admin()
    body = {"decision": "reject", "reason_code": "blurry_photo"}
    first = decide(client, headers, waiting.submission_id, body, key="decide-once")
    replay = decide(client, headers, waiting.submission_id, body, key="decide-once")
    assert first.status_code == replay.status_code == 200
    assert replay.json == first.json
    assert decide(client, headers, waiting.submission_id, body).status_code == 409
    # A decision recorded again (a retried task, say) finds its notice queued already.
    with app.app_context(), db.transaction() as session:
        submission = session.get_one(Submission, waiting.submission_id)
        notices.queue_decision_notice(
            db_session=session,
            submission_id=submission.id,
            status="rejected",
            actor="admin",
            reasons=["blurry_photo"],
            comment=None,
            appeal_id=None,
            now=submission.decided_at,
        )
    assert len(notice_rows(db)) == 1
    assert run_mail(app, db) == ["sent"]
    (message,) = read_eml(app)
    text, html = parts(message)
    assert "Why: A photo is too blurred to count the shelf." in text
    assert "comment" not in text  # none was written: no empty line for it
    assert "<p></p>" not in html


def test_notify_by_email_false_sends_nothing(app, client, db, make, auth_headers, in_review, admin):
    worker = make(UserFactory)
    headers = auth_headers(worker)
    assert client.get("/api/v1/me", headers=headers).json["notify_by_email"] is True
    bad = client.patch("/api/v1/me", json={"notify_by_email": "maybe"}, headers=headers)
    assert bad.status_code == 422
    assert "notify_by_email" in bad.json["errors"]
    off = client.patch("/api/v1/me", json={"notify_by_email": False}, headers=headers)
    assert off.status_code == 200, off.json
    assert off.json["notify_by_email"] is False
    assert client.get("/api/v1/me", headers=headers).json["notify_by_email"] is False
    exported = client.get("/api/v1/me/export", headers=headers).json
    assert exported["profile"]["notify_by_email"] is False

    waiting = in_review(worker=worker)
    reject(client, admin(), waiting.submission_id)
    assert notice_rows(db) == []
    assert run_mail(app, db) == []
    assert read_eml(app) == []


def test_a_notice_queued_before_notices_were_turned_off_is_not_sent(
    app, client, db, in_review, admin
):
    waiting = in_review()
    reject(client, admin(), waiting.submission_id)
    off = client.patch(
        "/api/v1/me", json={"notify_by_email": False}, headers=waiting.claimed.headers
    )
    assert off.status_code == 200
    assert run_mail(app, db) == ["cancelled"]
    assert read_eml(app) == []


def test_an_erased_worker_is_never_mailed(app, client, db, in_review, admin):
    waiting = in_review()
    reject(client, admin(), waiting.submission_id)
    erased = client.delete("/api/v1/me", headers=waiting.claimed.headers)
    assert erased.status_code == 200, erased.json
    assert run_mail(app, db) == []  # the erasure took the queued notice with the rest
    assert read_eml(app) == []
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(MailMessage)) == 0
        user = session.get_one(User, waiting.claimed.worker.id)
        assert user.erased_at is not None
