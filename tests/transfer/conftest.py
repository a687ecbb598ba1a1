"""An instance filled through its API, and PostgreSQL databases of the tests' own."""

import pytest

from .instance import (
    answers,
    build_app,
    close,
    drop_postgres_database,
    fill,
    image_bytes,
    migrate,
    postgres_database,
)


@pytest.fixture
def local_instance(tmp_path):
    """A SQLite instance with local files, filled through the API."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    app = build_app(url, tmp_path)
    migrate(app)
    people = fill(app)
    before = answers(app, people)
    files = image_bytes(app, people)
    close(app)
    return url, people, before, files


@pytest.fixture
def postgres_target():
    url = postgres_database("imprint_transfer_dst")
    yield url
    drop_postgres_database(url)
