"""One transaction per request holds on both databases, savepoints included.

pysqlite begins a transaction only before INSERT/UPDATE/DELETE, so a SAVEPOINT that is the first statement of a
unit of work opens SQLite's own transaction and its RELEASE commits it: work meant to roll back with the request
stays. Savepoints are used by page slots, allocation and sign-up; these tests pin that their work is undone with
the request and that a released savepoint does not count as the request's commit.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ocop_market.accounts.models import User
from ocop_market.db_tx import transaction
from ocop_market.extensions import db
from ocop_market.search import SearchQuery, get_search
from tests.conftest import make_producer, make_product, make_user


class Boom(Exception):
    pass


def _users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_work_in_a_released_savepoint_rolls_back_with_the_request(ctx):
    before = _users()
    with pytest.raises(Boom):
        with transaction():
            with db.session.begin_nested():  # the first statement of the unit of work
                db.session.add(User(display_name="Khách", email="khach@example.vn", password_hash="x", role="buyer"))
            raise Boom
    db.session.expire_all()
    assert _users() == before


def test_a_failed_savepoint_keeps_the_work_before_it_and_the_commit_keeps_all_of_it(ctx):
    before = _users()
    with transaction():
        db.session.add(User(display_name="Một", email="mot@example.vn", password_hash="x", role="buyer"))
        with pytest.raises(Boom):
            with db.session.begin_nested():
                db.session.add(User(display_name="Hai", email="hai@example.vn", password_hash="x", role="buyer"))
                raise Boom
    db.session.expire_all()
    assert _users() == before + 1
    assert db.session.scalar(select(User).where(User.email == "hai@example.vn")) is None


def test_a_released_savepoint_does_not_take_the_search_update_of_the_request(ctx):
    producer = make_producer(make_user("hoa@example.vn", "producer"))
    product = make_product(producer, name="Hạt dẻ Trùng Khánh")
    with transaction():
        product.name = "Miến dong Nguyên Bình"
        db.session.flush()  # the outbox row for the change is written now
        with db.session.begin_nested():  # e.g. a page slot rendered during the request
            pass
    result = get_search().query(SearchQuery(q="mien dong"))
    assert result.ids == [product.id]
