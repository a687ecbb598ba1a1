"""Bring the database to the newest migration when the app starts (local mode)."""

import logging

log = logging.getLogger(__name__)


def upgrade_database(app):
    """``flask db upgrade``, in process; harmless when already at head."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    log.info("database is at the newest migration")


def include_object_for(dialect_name):
    """Leave out of comparisons the indexes the models create on another dialect only (GIN on SQLite)."""

    def include_object(obj, name, type_, reflected, compare_to):
        ddl_if = getattr(obj, "_ddl_if", None)
        if type_ == "index" and ddl_if is not None and ddl_if.dialect not in (None, dialect_name):
            return False
        return True

    return include_object
