"""One helper scopes queries: a brand sees its own rows, a worker none of a brand's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.errors import NotFound
from backend.kernel.scoping import get_visible, scoped
from backend.stores.models import Store
from tests.support.factories import StoreFactory, UserFactory


def test_brand_scope(make):
    alice = make(UserFactory, brand_user=True)
    bob = make(UserFactory, brand_user=True)
    admin = make(UserFactory, admin=True)
    worker = make(UserFactory)
    mine = make(StoreFactory, brand_id=alice.brand_id)
    theirs = make(StoreFactory, brand_id=bob.brand_id)
    session = make.session

    def visible(user):
        return set(session.scalars(scoped(select(Store.id), Store, user)).all())

    assert visible(alice) == {mine.id}
    assert visible(bob) == {theirs.id}
    assert visible(admin) == {mine.id, theirs.id}
    assert visible(worker) == set()
    assert get_visible(session, Store, mine.id, alice).id == mine.id
    with pytest.raises(NotFound):
        get_visible(session, Store, theirs.id, alice)  # exists, but 404 for her
    with pytest.raises(NotFound):
        get_visible(session, Store, mine.id, worker)
