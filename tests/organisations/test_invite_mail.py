"""An invitation end to end: a real Celery worker sends it, after the commit, to a real SMTP
server (aiosmtpd); the mailed link makes the member, who then signs in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.organisations.helpers import API, invite, owner_with_stores
from tests.support.mail import link_in, smtp_server
from tests.support.processes import wait_until


@pytest.mark.integration
def test_a_real_worker_mails_the_invitation_over_smtp(client, make, auth_headers, start_worker):
    owner, owner_h, _stores = owner_with_stores(make, auth_headers, stores=0)
    with smtp_server() as inbox:
        start_worker(SMTP_URL=inbox.url)
        assert invite(client, owner_h, "nia@example.org", "viewer").status_code == 201
        wait_until(lambda: inbox.received, 60, "the invitation mail")
    (_sender, recipients, message) = inbox.received[0]
    assert recipients == ["nia@example.org"]
    assert owner.brand.name in message["Subject"]
    token = parse_qs(urlsplit(link_in(message, "/invite")).query)["token"][0]

    accepted = client.post(
        f"{API}/invites/{token}/accept",
        json={"password": "a long enough passphrase", "display_name": "Nia"},
    )
    assert accepted.status_code == 201, accepted.json
    credentials = {"email": "nia@example.org", "password": "a long enough passphrase"}
    signed_in = client.post(f"{API}/auth/token", json=credentials)
    assert signed_in.status_code == 200
    me = client.get(
        f"{API}/me", headers={"Authorization": f"Bearer {signed_in.json['access_token']}"}
    ).json
    assert me["organisation"]["role"] == "viewer"
