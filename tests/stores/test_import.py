"""CSV import through HTTP: bad lines reported by number, good lines in, re-import idempotent,
hostile files answered with 4xx problem+json, never 5xx."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from backend.stores.models import Store
from tests.support.factories import BrandFactory, UserFactory

PROBLEM = "application/problem+json"
HEADER = "name,chain,address,latitude,longitude,geofence_m,external_ref\n"
BAD_KINDS = (
    "Bad coords {i},Chain,Street {i},95.5,4.35,150,R{i}",
    ",Chain,Street {i},50.85,4.35,150,R{i}",
    "No lat {i},Chain,Street {i},north,4.35,150,R{i}",
    "Fence {i},Chain,Street {i},50.85,4.35,5000,R{i}",
)


def generated_csv(lines=10_000, bad_every=20, rename=None):
    """`lines` data lines; every `bad_every`-th one is bad; returns (bytes, bad line numbers)."""
    out, bad = [HEADER], []
    for i in range(lines):
        line_number = i + 2
        if i % bad_every == bad_every - 1:
            out.append(BAD_KINDS[len(bad) % len(BAD_KINDS)].format(i=i) + "\n")
            bad.append(line_number)
            continue
        name = rename.get(i, f"Store {i}") if rename else f"Store {i}"
        lat, lon = 50 + (i % 1000) / 1000, 4 + (i // 1000) / 100
        out.append(f'{name},Chain,"Street {i}, Brussels",{lat},{lon},,R{i}\n')
    return "".join(out).encode(), bad


def upload(client, headers, data, query=None):
    # Encoded here, in memory: the test client would spool a large body to a temporary
    # file that it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "stores.csv")})
    return client.post(
        "/api/v1/stores/import",
        data=body,
        query_string=query or {},
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def store_count(db, **where):
    with db.transaction(write=False) as session:
        stmt = select(func.count()).select_from(Store).filter_by(**where)
        return session.scalar(stmt)


@pytest.fixture
def brand_user(make):
    return make(UserFactory, brand_user=True)


def test_ten_thousand_lines_with_five_percent_bad(client, db, brand_user, auth_headers):
    headers = auth_headers(brand_user)
    data, bad = generated_csv()
    first = upload(client, headers, data)
    assert first.status_code == 200, first.json
    assert first.json["created"] == 9_500
    assert first.json["updated"] == 0
    assert first.json["error_count"] == 500
    assert [e["line"] for e in first.json["errors"]] == bad
    messages = [e["message"] for e in first.json["errors"][:4]]
    assert messages[0].startswith("latitude:")
    assert messages[1].startswith("name:")
    assert messages[2].startswith("latitude:")
    assert "not a number" in messages[2]
    assert messages[3].startswith("geofence_m:")
    assert store_count(db, brand_id=brand_user.brand_id) == 9_500

    again = upload(client, headers, data)
    assert again.status_code == 200
    assert (again.json["created"], again.json["updated"]) == (0, 0)
    assert len(again.json["errors"]) == 500

    changed, _ = generated_csv(rename={7: "Store seven renamed"})
    third = upload(client, headers, changed)
    assert (third.json["created"], third.json["updated"]) == (0, 1)
    assert store_count(db, brand_id=brand_user.brand_id) == 9_500
    assert store_count(db, external_ref="R7", name="Store seven renamed") == 1


def test_rows_without_external_ref_are_always_created(client, db, brand_user, auth_headers):
    data = b"name,latitude,longitude\nA,50.1,4.1\nB,50.2,4.2\n"
    for _ in range(2):
        response = upload(client, auth_headers(brand_user), data)
        assert response.json["created"] == 2
    assert store_count(db) == 4


def test_same_ref_twice_in_one_file_is_one_store(client, db, brand_user, auth_headers):
    data = b"name,latitude,longitude,external_ref\nA,50.1,4.1,X\nA2,50.1,4.1,X\n"
    response = upload(client, auth_headers(brand_user), data)
    assert (response.json["created"], response.json["updated"]) == (1, 1)
    assert store_count(db, external_ref="X", name="A2") == 1


def test_refs_are_per_brand(client, db, make, brand_user, auth_headers):
    other = make(UserFactory, brand_user=True)
    data = b"name,latitude,longitude,external_ref\nA,50.1,4.1,X\n"
    assert upload(client, auth_headers(brand_user), data).json["created"] == 1
    assert upload(client, auth_headers(other), data).json["created"] == 1
    assert store_count(db, external_ref="X") == 2


def test_bom_crlf_quotes_and_formulas_are_just_text(client, db, brand_user, auth_headers):
    data = (
        "\ufeffName , LATITUDE,longitude,address\r\n"
        '"=HYPERLINK(""http://evil"")",50.1,4.1,"+cmd|\' /C calc\'!A0"\r\n'
        "Café Zoë ☕,50.2,4.2,\r\n"
    ).encode()
    response = upload(client, auth_headers(brand_user), data)
    assert response.status_code == 200
    assert response.json["created"] == 2, response.json
    with db.transaction(write=False) as session:
        names = set(session.scalars(select(Store.name)))
    assert names == {'=HYPERLINK("http://evil")', "Café Zoë ☕"}


def test_hostile_lines_are_reported_and_the_rest_goes_in(client, db, brand_user, auth_headers):
    data = (
        b"name,latitude,longitude,geofence_m\n"
        b"ok 1,50.1,4.1,\n"  # 2
        b"nan,NaN,4.1,\n"  # 3
        b"inf,50.1,-inf,\n"  # 4
        b"caf\xc3,50.1,4.1,\n"  # 5 not UTF-8
        b"nul\x00,50.1,4.1,\n" + b"long" * 5000 + b",50.1,4.1,\n"  # 6  # 7 overlong
        b"too,many,fields,here,x\n"  # 8
        b'"broken"quote,50.1,4.1,\n'  # 9
        b"\n"  # 10 blank: skipped silently
        b"ok 2,50.2,4.2,1000\n"  # 11
        b"huge fence,50.2,4.2,99999999999999999999999\n"  # 12
    )
    response = upload(client, auth_headers(brand_user), data)
    assert response.status_code == 200
    assert response.json["created"] == 2
    assert [e["line"] for e in response.json["errors"]] == [3, 4, 5, 6, 7, 8, 9, 12]
    assert "UTF-8" in response.json["errors"][2]["message"]
    assert store_count(db) == 2


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "name the columns"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00", "line 1"),
        (b"Delhaize,Chain,Street,50.8,4.3,150,R1\n", "Unknown columns"),
        (b"name,latitude\nA,50.1\n", "longitude"),
        (b"name,latitude,longitude,latitude\nA,1,2,3\n", "Duplicated"),
        (b'"name,latitude,longitude\n', "line 1"),
    ],
)
def test_unusable_files_are_one_clear_422(client, db, brand_user, auth_headers, data, needle):
    response = upload(client, auth_headers(brand_user), data)
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert needle in " ".join(response.json["errors"]["file"])
    assert store_count(db) == 0


def test_no_file_part_is_422(client, brand_user, auth_headers):
    response = client.post(
        "/api/v1/stores/import",
        data={"other": "x"},
        headers=auth_headers(brand_user),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "file" in response.json["errors"]
    as_json = client.post("/api/v1/stores/import", json={}, headers=auth_headers(brand_user))
    assert 400 <= as_json.status_code < 500
    assert as_json.content_type == PROBLEM


def test_admin_imports_for_a_named_brand(client, db, make, auth_headers):
    admin = auth_headers(make(UserFactory, admin=True))
    brand = make(BrandFactory)
    data = b"name,latitude,longitude\nA,50.1,4.1\n"
    missing = upload(client, admin, data)
    assert missing.status_code == 422
    assert "brand_id" in missing.json["errors"]
    response = upload(client, admin, data, query={"brand_id": brand.id})
    assert response.json["created"] == 1
    assert store_count(db, brand_id=brand.id) == 1


@pytest.fixture
def small_bodies(app_config):
    app_config["MAX_BODY_BYTES"] = 50_000


def test_a_file_over_the_body_limit_is_413(small_bodies, client, brand_user, auth_headers):
    data, _ = generated_csv(lines=2_000)
    response = upload(client, auth_headers(brand_user), data)
    assert response.status_code == 413
    assert response.content_type == PROBLEM
