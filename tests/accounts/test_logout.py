"""POST /auth/logout: the token used stops working at once, the caller's others do not."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.accounts.models import ApiToken
from tests.support.factories import UserFactory

PROBLEM = "application/problem+json"


def tokens_of(db, user_id):
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == user_id))


def test_logout_revokes_the_token_used_and_only_that_one(client, db, make, auth_headers):
    users = (make(UserFactory), make(UserFactory, brand_user=True), make(UserFactory, admin=True))
    for user in users:
        used, other = auth_headers(user), auth_headers(user)
        assert client.get("/api/v1/me", headers=used).status_code == 200

        response = client.post("/api/v1/auth/logout", headers=used)
        assert response.status_code == 204
        assert response.data == b""

        after = client.get("/api/v1/me", headers=used)
        assert after.status_code == 401
        assert after.content_type == PROBLEM
        # The row is gone, not merely marked: nothing can bring the token back.
        assert tokens_of(db, user.id) == 1
        assert client.get("/api/v1/me", headers=other).status_code == 200
        # Signing out twice with the same token is a plain 401, like any unknown token.
        assert client.post("/api/v1/auth/logout", headers=used).status_code == 401


def test_logout_without_a_token_or_with_a_forged_one_is_401(client, make, auth_headers):
    user = make(UserFactory)
    headers = auth_headers(user)
    for sent in ({}, {"Authorization": "Bearer ff_forged"}, {"Authorization": "Basic eDp5"}):
        response = client.post("/api/v1/auth/logout", headers=sent)
        assert response.status_code == 401
        assert response.content_type == PROBLEM
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_a_token_from_sign_in_stops_working_after_logout(client, make):
    from tests.support.factories import PASSWORD

    user = make(UserFactory)
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
