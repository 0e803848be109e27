"""`fairfield stores import FILE --brand ...`."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.stores.models import Store
from tests.support.factories import BrandFactory


def test_import_by_brand_name_then_again(app, db, make, tmp_path):
    brand = make(BrandFactory, name="Acme Water")
    path = tmp_path / "stores.csv"
    path.write_text(
        "name,latitude,longitude,external_ref\nA,50.1,4.1,A1\nB,north,4.2,B1\nC,50.3,4.3,C1\n"
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["stores", "import", str(path), "--brand", "Acme Water"])
    assert first.exit_code == 0, first.output
    assert "created 2, updated 0, 1 bad line" in first.output
    assert "line 3: latitude:" in first.output
    again = runner.invoke(args=["stores", "import", str(path), "--brand", brand.id])
    assert again.exit_code == 0, again.output
    assert "created 0, updated 0, 1 bad line" in again.output
    with db.transaction(write=False) as session:
        count = session.scalar(select(func.count()).select_from(Store))
    assert count == 2


def test_unknown_brand_and_bad_header_fail(app, make, tmp_path):
    make(BrandFactory, name="Acme")
    path = tmp_path / "stores.csv"
    path.write_text("shop,lat,lon\nA,1,2\n")
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["stores", "import", str(path), "--brand", "Nobody"])
    assert unknown.exit_code == 2
    assert "no brand" in unknown.output
    bad = runner.invoke(args=["stores", "import", str(path), "--brand", "Acme"])
    assert bad.exit_code == 2
    assert "Unknown columns" in bad.output
