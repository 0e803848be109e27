"""A real Celery worker sends the notices through a real SMTP server, after the commit."""

from __future__ import annotations

import pytest

from tests.support.factories import UserFactory
from tests.support.mail import parts, smtp_server
from tests.support.processes import wait_until
from tests.support.review import appeal, decide_appeal, reject

pytestmark = pytest.mark.integration


def test_a_real_worker_mails_a_rejection_in_french_then_the_appeal_granted(
    client, make, in_review, admin, start_worker
):
    worker = make(UserFactory, locale="fr", display_name="Zoé")
    waiting = in_review(worker=worker)
    with smtp_server() as inbox:
        celery = start_worker(SMTP_URL=inbox.url)
        reject(client, admin(), waiting.submission_id)
        wait_until(lambda: inbox.received, 60, "the worker to mail the rejection")
        appeal_id = appeal(client, waiting).json["id"]
        body = {"decision": "approve", "comment": "Le PAD-2 est bien là."}
        assert decide_appeal(client, admin(), appeal_id, body).status_code == 200
        wait_until(lambda: len(inbox.received) == 2, 60, "the worker to mail the outcome")
        celery.stop()
    (_, to_first, rejection), (_, to_second, outcome) = inbox.received
    assert to_first == to_second == [worker.email]
    assert rejection["Subject"].startswith("Votre audit chez ")
    assert rejection["Content-Language"] == "fr"
    text, html = parts(rejection)
    assert "Motif : Des produits demandés manquent dans les photos ou les réponses." in text
    assert "Vous pouvez faire appel jusqu'au " in text
    assert 'lang="fr"' in html
    assert outcome["Subject"].endswith(" : accepté")
    outcome_text, _html = parts(outcome)
    assert "Votre recours est accepté : l'envoi est approuvé et 6,00\xa0€" in outcome_text
    assert "Commentaire du relecteur : « Le PAD-2 est bien là. »" in outcome_text
