"""A paid batch mails each worker it pays once: the amount, and the IBAN by its last four."""

from __future__ import annotations

from backend.mail.models import MailMessage
from tests.support.factories import UserFactory
from tests.support.mail import parts, read_eml, run_mail
from tests.support.payouts import BATCHES, IBANS, PAYOUTS, credit, payout_body


def test_a_paid_batch_mails_each_worker_once(app, client, db, make, auth_headers):
    admin = auth_headers(make(UserFactory, role="admin"))
    twice, dutch, quiet = (
        make(UserFactory, display_name="Ana"),
        make(UserFactory, locale="nl", display_name="Bram"),
        make(UserFactory),
    )
    for worker, amount, iban in [
        (twice, 1500, IBANS[0]),
        (twice, 1200, IBANS[1]),  # credited again after the first request: a second one
        (dutch, 1234, IBANS[2]),
        (quiet, 1000, IBANS[0]),
    ]:
        credit(db, worker.id, amount)
        made = client.post(PAYOUTS, json=payout_body(iban=iban), headers=auth_headers(worker))
        assert made.status_code == 201, made.json
    off = client.patch("/api/v1/me", json={"notify_by_email": False}, headers=auth_headers(quiet))
    assert off.status_code == 200
    batch = client.post(BATCHES, headers=admin).json
    assert batch["count"] == 4
    assert run_mail(app, db) == []  # gathering a batch sends no money yet

    paid = client.post(f"{BATCHES}/{batch['id']}/mark-paid", headers=admin)
    assert paid.status_code == 200, paid.json
    assert sorted(run_mail(app, db)) == ["sent", "sent"]
    again = client.post(f"{BATCHES}/{batch['id']}/mark-paid", headers=admin)
    assert again.status_code == 409
    assert run_mail(app, db) == []

    mails = {m["To"]: m for m in read_eml(app)}
    assert set(mails) == {twice.email, dutch.email}
    assert mails[twice.email]["Subject"] == "Your payout of 27.00 EUR is on its way"
    text, html = parts(mails[twice.email])
    assert "Hello Ana," in text
    assert "We sent 27.00 EUR to your bank account •••• 3000, •••• 7034." in text
    assert "http://127.0.0.1:8000/app/#/money" in text.split()
    assert IBANS[0] not in text + html
    assert IBANS[1] not in text + html
    assert mails[dutch.email]["Subject"] == "Je uitbetaling van €\xa012,34 is onderweg"
    dutch_text, _html = parts(mails[dutch.email])
    assert "We hebben €\xa012,34 overgemaakt naar je bankrekening •••• 2606." in dutch_text
    with db.transaction(write=False) as session:
        assert session.query(MailMessage).filter(MailMessage.kind == "payout_sent").count() == 2
