"""The fairfield command: migrations, admins, demo data, pipeline check."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.accounts.models import Brand, User
from backend.campaigns.models import Campaign
from backend.missions.models import Mission
from backend.stores.models import Store


def count(db, model, *where):
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_db_upgrade_is_idempotent(app):
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    from alembic.script import ScriptDirectory

    from backend.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert f"database at revision {head}" in result.output


def test_create_admin_creates_then_resets(app, client, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "--email", "Root@Example.org", "--password", "first password!"]
    )
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    result = runner.invoke(
        args=["create-admin", "--email", "root@example.org", "--password", "second password!"]
    )
    assert "password reset" in result.output
    assert count(db, User, User.role == "admin") == 1
    login = client.post(
        "/api/v1/auth/token", json={"email": "root@example.org", "password": "second password!"}
    )
    assert login.status_code == 200


def test_create_admin_refuses_weak_password_and_worker_email(app, make):
    from tests.support.factories import UserFactory

    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--email", "a@b.io", "--password", "short"])
    assert result.exit_code == 2
    assert "password" in result.output
    make(UserFactory, email="w@b.io")
    result = runner.invoke(args=["create-admin", "--email", "w@b.io", "--password", "long enough!"])
    assert result.exit_code == 2


def test_seed_demo_builds_a_usable_world_once(app, db, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin@fairfield.demo" in first.output
    assert "ana@worker.demo" in first.output
    assert count(db, Brand) == 2
    assert count(db, Store) == 200
    assert count(db, Campaign, Campaign.status == "published") == 1
    assert count(db, Mission, Mission.status == "open") == 100
    assert count(db, User, User.role == "worker") == 3
    with db.transaction(write=False) as session:
        lats = session.scalars(select(Store.latitude)).all()
    assert all(50.5 < lat < 51.2 or 52.0 < lat < 52.7 for lat in lats)

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert count(db, Store) == 200
    login = client.post(
        "/api/v1/auth/token", json={"email": "ana@worker.demo", "password": "fairfield-demo"}
    )
    assert login.status_code == 200


def test_ledger_check_passes_then_fails_on_a_broken_ledger(app, db, make):
    from backend.reconciliation.ledger import CHECKS
    from tests.support.ledger import make_world, raw_transaction

    world = make_world(db, make)
    world.approve()
    world.request_payout(250)
    runner = app.test_cli_runner()
    healthy = runner.invoke(args=["ledger", "check"])
    assert healthy.exit_code == 0, healthy.output
    # Progress, a line per invariant, on stderr; the verdict on stdout.
    assert healthy.stderr.count(" ... ok (") == len(CHECKS)
    assert "checked 3 transactions, 6 entries, 4 accounts, 1 approved submissions" in (
        healthy.stdout
    )
    assert "ledger check passed" in healthy.stdout

    bad = raw_transaction(db, "adjustment", [("platform", -100), (f"worker:{world.worker.id}", 90)])
    broken = runner.invoke(args=["ledger", "check"])
    assert broken.exit_code == 1
    assert "transactions balance ... 1 discrepancies" in broken.stderr
    assert f"transaction {bad} does not balance: its EUR entries sum to -10" in broken.stdout
    assert "ledger check failed: 1 discrepancies" in broken.stderr
