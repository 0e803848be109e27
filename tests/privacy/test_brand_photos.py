"""Every photo a brand downloads lacks the GPS, XMP and maker notes it was uploaded with."""

from __future__ import annotations

import io
import struct

from PIL import Image

from tests.support.factories import UserFactory
from tests.support.photos import with_gps
from tests.support.submitting import honest_payload, submit, validate_now

GPS_IFD, EXIF_IFD, MAKER_NOTE = 0x8825, 0x8769, 0x927C
XMP_NS = b"http://ns.adobe.com/xap/1.0/\x00"
HERE = (50.84683, 4.35297)


def with_xmp_and_maker_note(latitude: float, longitude: float, seed: int) -> bytes:
    """A GPS-tagged photo that also carries a maker note and an XMP packet with the place."""
    image = Image.open(io.BytesIO(with_gps(latitude, longitude, seed=seed)))
    exif = image.getexif()
    exif.get_ifd(EXIF_IFD)[MAKER_NOTE] = b"ACME\x00serial=PHONE-1234"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    packet = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
        f'exif:GPSLatitude="{latitude}" exif:GPSLongitude="{longitude}"/></rdf:RDF>'
        f"</x:xmpmeta>"
    ).encode()
    segment = b"\xff\xe1" + struct.pack(">H", 2 + len(XMP_NS) + len(packet)) + XMP_NS + packet
    data = out.getvalue()
    return data[:2] + segment + data[2:]  # right after the start-of-image marker


def metadata(data: bytes) -> dict[str, object]:
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    return {
        "gps": dict(exif.get_ifd(GPS_IFD)),
        "gps_pointer": GPS_IFD in exif,
        "maker_note": MAKER_NOTE in exif.get_ifd(EXIF_IFD),
        "xmp": "xmp" in image.info or XMP_NS in data,
        "place_in_bytes": str(HERE[0]).encode() in data,
    }


def test_brand_downloads_carry_no_location_metadata(app, db, client, make, auth_headers, claim):
    claimed = claim()
    photos = [with_gps(*HERE, seed=91), with_xmp_and_maker_note(*HERE, seed=92)]
    sent = submit(client, claimed, photos, honest_payload(latitude=HERE[0], longitude=HERE[1]))
    assert sent.status_code == 202, sent.json
    validate_now(app, db, sent.json["submission_id"])  # brands see approved photos only
    shown = client.get(f"/api/v1/submissions/{sent.json['submission_id']}", headers=claimed.headers)
    assert shown.json["status"] == "approved", shown.json["checks"]
    urls = [photo["url"] for photo in shown.json["photos"]]
    brand = auth_headers(make(UserFactory, role="brand", brand=claimed.brand))

    originals = [client.get(url, headers=claimed.headers).data for url in urls]
    assert originals == photos  # the worker gets what they took, metadata and all
    assert all(metadata(photo)["gps"] for photo in originals)
    assert metadata(originals[1])["xmp"]
    assert metadata(originals[1])["maker_note"]

    for url, original in zip(urls, originals, strict=True):
        for _ in range(2):  # made on the first request, served from the store after
            response = client.get(url, headers=brand)
            assert response.status_code == 200
            assert response.mimetype == "image/jpeg"
            assert metadata(response.data) == {
                "gps": {},
                "gps_pointer": False,
                "maker_note": False,
                "xmp": False,
                "place_in_bytes": False,
            }
            copy = Image.open(io.BytesIO(response.data))
            assert copy.size == Image.open(io.BytesIO(original)).size
