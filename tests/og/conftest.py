"""OG tests build apps with make_app; empty the tables after each test like the `app` fixture does."""

import pytest


@pytest.fixture(autouse=True)
def _empty_tables_after(app):
    yield
