"""A database restart cuts sessions mid-request: the answer is 503 + Retry-After (or the view's own), never 500.

PostgreSQL only: the test ends its own session's backend with
``pg_terminate_backend``, which is what ``pg_ctl restart -m fast`` does to every session.
"""

import pytest
from flask import Blueprint, jsonify
from sqlalchemy import create_engine, text

from app.extensions import db
from tests.support import is_postgres

cut_blp = Blueprint("cut_test", __name__)


def _terminate_own_backend():
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    engine = create_engine(db.engine.url)
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    engine.dispose()


@cut_blp.get("/_test/cut-then-answer")
def cut_then_answer():
    _terminate_own_backend()  # the view has its answer; the session's transaction is still open
    return jsonify(done=True)


@cut_blp.get("/_test/cut-swallow-query")
def cut_swallow_query():
    _terminate_own_backend()
    try:
        db.session.execute(text("SELECT 1"))  # an optional lookup that swallows its error
    except Exception:
        pass
    db.session.execute(text("SELECT 1"))  # the view goes on with the same session
    return jsonify(done=True)


@pytest.fixture
def cut_client(make_app):
    app = make_app()
    if not is_postgres(app):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    app.register_blueprint(cut_blp)
    return app.test_client()


def test_a_connection_cut_after_the_view_answered_keeps_the_answer(cut_client):
    response = cut_client.get("/_test/cut-then-answer")
    assert response.status_code == 200
    assert cut_client.get("/healthz").status_code == 200  # the pool replaced the connection


def test_a_connection_cut_inside_the_transaction_is_503_with_retry_after(cut_client):
    response = cut_client.get("/_test/cut-swallow-query")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert cut_client.get("/healthz").status_code == 200
