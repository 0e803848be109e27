"""The brand's subscriptions are read once per transaction, and never stale within it: a
subscription made, disabled or undone (a savepoint rolled back) since is seen as it is."""

from __future__ import annotations

from backend.kernel.clock import utcnow
from backend.webhooks import service
from tests.support.factories import BrandFactory

APPROVED = "submission.approved"


def subscribe(session, brand_id):
    return service.create_subscription(
        db_session=session,
        brand_id=brand_id,
        url="https://hooks.example.org/in",
        events=[APPROVED],
        created_by=None,
        allow_private=False,
    )


def test_what_the_transaction_changes_is_seen_at_once(db, make):
    brand_id = make(BrandFactory).id
    with db.transaction() as session:
        assert not service.listening(db_session=session, brand_id=brand_id, event_type=APPROVED)
        made = subscribe(session, brand_id)
        assert service.listening(db_session=session, brand_id=brand_id, event_type=APPROVED)
        service.disable(db_session=session, subscription_id=made.id, now=utcnow())
        assert not service.listening(db_session=session, brand_id=brand_id, event_type=APPROVED)


def test_a_subscription_undone_by_a_savepoint_is_not_sent_to(db, make):
    brand_id = make(BrandFactory).id
    with db.transaction() as session:
        savepoint = session.begin_nested()
        subscribe(session, brand_id)
        assert service.listening(db_session=session, brand_id=brand_id, event_type=APPROVED)
        savepoint.rollback()
        assert not service.listening(db_session=session, brand_id=brand_id, event_type=APPROVED)
        sent = service.emit(
            db_session=session, brand_id=brand_id, event_type=APPROVED, data={}, now=utcnow()
        )
        assert sent == []


def test_the_next_transaction_of_the_same_session_reads_them_again(db, make):
    brand_id = make(BrandFactory).id
    session = db.session(write=True)
    try:
        assert not service.listening(db_session=session, brand_id=brand_id, event_type=APPROVED)
        session.commit()
        with db.transaction() as other:
            subscribe(other, brand_id)
        assert service.listening(db_session=session, brand_id=brand_id, event_type=APPROVED)
        session.commit()
    finally:
        session.close()
