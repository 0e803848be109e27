"""One organisation never reaches another's: its members and keys get 404 for the other's
campaigns, results, members and keys, as for ids that do not exist."""

from __future__ import annotations

from tests.organisations.helpers import API, key_headers, owner_with_stores
from tests.support.campaigns import campaign_body
from tests.support.factories import UserFactory


def test_another_organisations_objects_answer_404(client, make, auth_headers):
    _a, a_h, a_stores = owner_with_stores(make, auth_headers)
    b, b_h, _b_stores = owner_with_stores(make, auth_headers)
    a_member = make(UserFactory, role="brand", brand=_a.brand, org_role="viewer")
    campaign_id = client.post(f"{API}/campaigns", json=campaign_body(a_stores), headers=a_h).json[
        "id"
    ]
    _a_key_h, a_key = key_headers(client, a_h, ["results:read"])
    b_key_h, _b_key = key_headers(client, b_h, ["results:read", "campaigns:read", "stores:read"])

    for headers in (b_h, b_key_h):
        for path in (
            f"/campaigns/{campaign_id}",
            f"/campaigns/{campaign_id}/results",
            f"/campaigns/{campaign_id}/results?format=csv",
            f"/stores/{a_stores[0]}",
        ):
            answer = client.get(f"{API}{path}", headers=headers)
            assert answer.status_code == 404, (path, answer.json)
    for answer in (
        client.post(f"{API}/campaigns/{campaign_id}/publish", headers=b_h),
        client.delete(f"{API}/organisation/members/{a_member.id}", headers=b_h),
        client.patch(
            f"{API}/organisation/members/{a_member.id}", json={"role": "owner"}, headers=b_h
        ),
        client.delete(f"{API}/api-keys/{a_key['id']}", headers=b_h),
    ):
        assert answer.status_code == 404, answer.json
    assert a_member.id not in {
        m["user_id"] for m in client.get(f"{API}/organisation", headers=b_h).json["members"]
    }
    assert client.get(f"{API}/api-keys", headers=b_h).json["items"][0]["id"] != a_key["id"]
    # Nothing of A's was written to B's log, nor B's reads to A's.
    b_log = client.get(f"{API}/organisation/audit-log", headers=b_h).json["items"]
    assert {line["action"] for line in b_log} == {"api_key.created"}
    assert b.id in {line["actor_id"] for line in b_log}
