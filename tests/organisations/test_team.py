"""An organisation's team through HTTP: an owner invites a manager and a viewer by mail, the
viewer reads but cannot publish, a removed member's token stops working at once, and the
audit log lists it all. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from backend.accounts.models import User
from backend.kernel.clock import utcnow
from backend.organisations.models import OrganisationInvite
from tests.organisations.helpers import (
    API,
    audit_actions,
    invite,
    join,
    mailed_invite_token,
    owner_with_stores,
)
from tests.support.campaigns import campaign_body
from tests.support.factories import PASSWORD, UserFactory
from tests.support.mail import parts, read_eml, run_mail


def sign_in(client, email, password):
    return client.post(f"{API}/auth/token", json={"email": email, "password": password})


def test_an_owner_runs_a_team_of_a_manager_and_a_viewer(app, client, db, make, auth_headers):
    owner, owner_h, store_ids = owner_with_stores(make, auth_headers)

    asked = invite(client, owner_h, "Maya@Example.org", "manager")
    assert asked.status_code == 201, asked.json
    assert asked.json["email"] == "maya@example.org"
    assert asked.json["role"] == "manager"
    assert asked.json["organisation"] == {"id": owner.brand_id, "name": owner.brand.name}
    token = mailed_invite_token(app, db, "maya@example.org")
    (mail,) = [m for m in read_eml(app) if m["To"] == "maya@example.org"]
    assert mail["Subject"] == f"Olga Owner invites you to {owner.brand.name} on Fairfield"
    text, html = parts(mail)
    assert "as a manager" in text
    assert "works once, for 7 days" in text
    assert f"http://127.0.0.1:8000/invite?token={token}" in html

    shown = client.get(f"{API}/invites/{token}")
    assert shown.status_code == 200
    assert shown.json["email"] == "maya@example.org"
    assert shown.json["role"] == "manager"
    accepted = client.post(
        f"{API}/invites/{token}/accept",
        json={"password": "a long enough passphrase", "display_name": "Maya"},
    )
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["token_type"] == "Bearer"
    manager_h = {"Authorization": f"Bearer {accepted.json['access_token']}"}
    viewer_h = join(app, db, client, owner_h, "vic@example.org", "viewer")

    me = client.get(f"{API}/me", headers=viewer_h).json
    assert me["organisation"] == {"id": owner.brand_id, "name": owner.brand.name, "role": "viewer"}
    assert me["email_verified"] is True  # they read the mail
    team = client.get(f"{API}/organisation", headers=viewer_h)
    assert team.status_code == 200
    assert {(m["email"], m["role"]) for m in team.json["members"]} == {
        (owner.email, "owner"),
        ("maya@example.org", "manager"),
        ("vic@example.org", "viewer"),
    }

    created = client.post(f"{API}/campaigns", json=campaign_body(store_ids), headers=manager_h)
    assert created.status_code == 201, created.json
    campaign_id = created.json["id"]
    assert client.get(f"{API}/campaigns/{campaign_id}", headers=viewer_h).status_code == 200
    refused = client.post(f"{API}/campaigns/{campaign_id}/publish", headers=viewer_h)
    assert refused.status_code == 403
    assert refused.json["code"] == "insufficient_role"
    assert (
        client.post(f"{API}/campaigns", json=campaign_body(store_ids), headers=viewer_h).json[
            "code"
        ]
        == "insufficient_role"
    )
    # A viewer invites nobody and reads no audit log; a manager neither.
    for headers in (viewer_h, manager_h):
        assert invite(client, headers, "x@example.org", "viewer").json["code"] == (
            "insufficient_role"
        )
        assert client.get(f"{API}/organisation/audit-log", headers=headers).status_code == 403
    published = client.post(f"{API}/campaigns/{campaign_id}/publish", headers=manager_h)
    assert published.status_code == 200, published.json

    viewer_id = client.get(f"{API}/me", headers=viewer_h).json["id"]
    removed = client.delete(f"{API}/organisation/members/{viewer_id}", headers=owner_h)
    assert removed.status_code == 204
    assert client.get(f"{API}/me", headers=viewer_h).status_code == 401  # at once
    assert client.get(f"{API}/campaigns", headers=viewer_h).status_code == 401
    assert sign_in(client, "vic@example.org", "a long enough passphrase").status_code == 401
    members = client.get(f"{API}/organisation", headers=owner_h).json["members"]
    assert viewer_id not in {m["user_id"] for m in members}
    again = client.delete(f"{API}/organisation/members/{viewer_id}", headers=owner_h)
    assert again.status_code == 404

    log = audit_actions(client, owner_h)
    assert [line["action"] for line in log] == [
        "member.invited",
        "member.joined",
        "member.invited",
        "member.joined",
        "campaign.created",
        "campaign.published",
        "member.removed",
    ]
    manager_id = accepted.json["user_id"]
    assert log[0]["actor_id"] == owner.id
    assert log[0]["detail"] == {"email": "maya@example.org", "role": "manager"}
    assert log[1]["actor_id"] == log[1]["target_id"] == manager_id
    assert log[4]["actor_id"] == manager_id
    assert log[4]["target_type"] == "campaign"
    assert log[4]["target_id"] == campaign_id
    assert log[6]["target_id"] == viewer_id
    assert {"action", "actor_id", "target_type", "target_id", "at", "detail"} <= set(log[0])
    only = audit_actions(client, owner_h, action="member.joined")
    assert [line["target_id"] for line in only] == [manager_id, viewer_id]


def test_edits_cancellations_and_role_changes_are_logged(client, make, auth_headers):
    owner, owner_h, store_ids = owner_with_stores(make, auth_headers)
    manager = make(UserFactory, role="brand", brand=owner.brand, org_role="manager")
    created = client.post(f"{API}/campaigns", json=campaign_body(store_ids), headers=owner_h)
    campaign_id = created.json["id"]
    edited = client.patch(
        f"{API}/campaigns/{campaign_id}", json={"name": "Towels, again"}, headers=owner_h
    )
    assert edited.status_code == 200, edited.json
    assert client.post(f"{API}/campaigns/{campaign_id}/cancel", headers=owner_h).status_code == 200
    changed = client.patch(
        f"{API}/organisation/members/{manager.id}", json={"role": "viewer"}, headers=owner_h
    )
    assert changed.status_code == 200
    assert changed.json == {
        "user_id": manager.id,
        "email": manager.email,
        "display_name": manager.display_name,
        "role": "viewer",
    }
    log = audit_actions(client, owner_h)
    assert [(line["action"], line["detail"]) for line in log] == [
        ("campaign.created", {"name": "Towel audit"}),
        ("campaign.updated", {"fields": ["name"]}),
        ("campaign.cancelled", None),
        ("member.role_changed", {"from": "manager", "to": "viewer"}),
    ]


def test_the_last_owner_can_be_neither_removed_nor_demoted(client, make, auth_headers):
    owner, owner_h, _stores = owner_with_stores(make, auth_headers, stores=0)
    other = make(UserFactory, role="brand", brand=owner.brand, org_role="manager")
    for answer in (
        client.delete(f"{API}/organisation/members/{owner.id}", headers=owner_h),
        client.patch(
            f"{API}/organisation/members/{owner.id}", json={"role": "viewer"}, headers=owner_h
        ),
    ):
        assert answer.status_code == 409
        assert answer.json["code"] == "last_owner"
    promoted = client.patch(
        f"{API}/organisation/members/{other.id}", json={"role": "owner"}, headers=owner_h
    )
    assert promoted.status_code == 200
    # Now there is another owner: the first may step down.
    stepped = client.patch(
        f"{API}/organisation/members/{owner.id}", json={"role": "manager"}, headers=owner_h
    )
    assert stepped.status_code == 200
    assert stepped.json["role"] == "manager"
    bad = client.patch(
        f"{API}/organisation/members/{other.id}", json={"role": "boss"}, headers=auth_headers(other)
    )
    assert bad.status_code == 422
    assert "role" in bad.json["errors"]


def test_an_invitation_works_once_and_expires_with_one_answer(app, client, db, make, auth_headers):
    _owner, owner_h, _stores = owner_with_stores(make, auth_headers, stores=0)
    body = {"password": "a long enough passphrase", "display_name": "Ines"}
    join_token = None
    assert invite(client, owner_h, "ines@example.org", "viewer").status_code == 201
    join_token = mailed_invite_token(app, db, "ines@example.org")
    assert client.post(f"{API}/invites/{join_token}/accept", json=body).status_code == 201

    assert invite(client, owner_h, "jo@example.org", "viewer").status_code == 201
    expired = mailed_invite_token(app, db, "jo@example.org")
    with db.transaction() as session:
        session.execute(
            update(OrganisationInvite)
            .where(OrganisationInvite.email == "jo@example.org")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    answers = [
        client.post(f"{API}/invites/{token}/accept", json=body)
        for token in (join_token, expired, "not-a-token-at-all")
    ] + [client.get(f"{API}/invites/{token}") for token in (join_token, expired, "nope")]
    assert {a.status_code for a in answers} == {404}
    assert {a.json["code"] for a in answers} == {"invite_invalid"}
    assert answers[0].json == answers[1].json == answers[2].json

    # Someone signed up with the address meanwhile: the invitation cannot make a second account.
    assert invite(client, owner_h, "kim@example.org", "viewer").status_code == 201
    kim_token = mailed_invite_token(app, db, "kim@example.org")
    make(UserFactory, email="kim@example.org")
    taken = client.post(f"{API}/invites/{kim_token}/accept", json=body)
    assert taken.status_code == 409
    assert taken.json["code"] == "account_exists"
    again = invite(client, owner_h, "kim@example.org", "viewer")
    assert again.status_code == 409
    assert again.json["code"] == "account_exists"
    with db.transaction(write=False) as session:
        assert session.scalar(select(User.org_role).where(User.email == "ines@example.org")) == (
            "viewer"
        )


def test_invitations_are_mailed_in_the_language_asked(app, client, db, make, auth_headers):
    _owner, owner_h, _stores = owner_with_stores(make, auth_headers, stores=0)
    for email, locale in (("fr@example.org", "fr"), ("nl@example.org", "nl")):
        asked = client.post(
            f"{API}/organisation/invites",
            json={"email": email, "role": "manager", "locale": locale},
            headers=owner_h,
        )
        assert asked.status_code == 201
    assert run_mail(app, db) == ["sent", "sent"]
    subjects = {m["To"]: m["Subject"] for m in read_eml(app)}
    assert subjects["fr@example.org"].startswith("Olga Owner vous invite à rejoindre")
    assert subjects["nl@example.org"].startswith("Olga Owner nodigt je uit voor")


def test_a_brand_registering_is_its_owner(client):
    made = client.post(
        f"{API}/auth/register",
        json={
            "email": "founder@example.org",
            "password": PASSWORD,
            "role": "brand",
            "display_name": "Founder",
            "brand_name": "Founded",
        },
    )
    assert made.status_code == 201
    token = sign_in(client, "founder@example.org", PASSWORD).json["access_token"]
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).json
    assert me["organisation"]["role"] == "owner"
    assert me["organisation"]["name"] == "Founded"


def test_invitations_expired_unused_are_purged_and_accepted_ones_kept(
    app, client, db, make, auth_headers
):
    from workers.accounts import purge_expired_tokens

    _owner, owner_h, _stores = owner_with_stores(make, auth_headers, stores=0)
    join(app, db, client, owner_h, "lea@example.org", "viewer")
    assert invite(client, owner_h, "max@example.org", "viewer").status_code == 201
    with db.transaction() as session:
        session.execute(update(OrganisationInvite).values(expires_at=utcnow() - timedelta(days=1)))
    with app.app_context():
        assert purge_expired_tokens.apply().get() == 1
        assert purge_expired_tokens.apply().get() == 0  # nothing twice
    with db.transaction(write=False) as session:
        left = session.scalars(select(OrganisationInvite.email)).all()
    assert left == ["lea@example.org"]


def test_a_removed_member_gets_no_password_reset_mail(app, client, db, make, auth_headers):
    owner, owner_h, _stores = owner_with_stores(make, auth_headers, stores=0)
    gone = make(UserFactory, role="brand", brand=owner.brand, org_role="manager")
    removed = client.delete(f"{API}/organisation/members/{gone.id}", headers=owner_h)
    assert removed.status_code == 204
    asked = client.post(f"{API}/auth/password-reset", json={"email": gone.email})
    assert asked.status_code == 202  # the same answer as for any address
    assert run_mail(app, db) == ["cancelled"]
    assert sign_in(client, gone.email, PASSWORD).status_code == 401


def test_a_removed_owner_s_pending_invitations_go_with_them(app, client, db, make, auth_headers):
    _owner, owner_h, _ = owner_with_stores(make, auth_headers)
    second_h = join(app, db, client, owner_h, "sam@example.org", "owner")
    # The second owner invites another address of theirs, then is removed before it is used.
    assert invite(client, second_h, "sam.again@example.org", "owner").status_code == 201
    token = mailed_invite_token(app, db, "sam.again@example.org")
    assert client.get(f"{API}/invites/{token}").status_code == 200
    sam = client.get(f"{API}/me", headers=second_h).json
    removed = client.delete(f"{API}/organisation/members/{sam['id']}", headers=owner_h)
    assert removed.status_code == 204
    assert client.get(f"{API}/invites/{token}").json["code"] == "invite_invalid"
    back = client.post(
        f"{API}/invites/{token}/accept",
        json={"password": "a long enough passphrase", "display_name": "Sam again"},
    )
    assert (back.status_code, back.json["code"]) == (404, "invite_invalid")
