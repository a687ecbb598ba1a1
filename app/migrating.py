"""Bring the database to the newest migration when the app starts (local mode)."""

import logging

log = logging.getLogger(__name__)


def upgrade_database(app):
    """``flask db upgrade``, in process; harmless when already at head.

    Alembic's INFO lines are for ``flask db``; run at start-up they would open every CLI
    command's output, so only its warnings show here.
    """
    from flask_migrate import upgrade

    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)
    try:
        with app.app_context():
            upgrade()
    finally:
        alembic_log.setLevel(level)
    log.debug("database is at the newest migration")


def include_object_for(dialect_name):
    """Leave out of comparisons the indexes the models create on another dialect only (GIN on SQLite)."""

    def include_object(obj, name, type_, reflected, compare_to):
        ddl_if = getattr(obj, "_ddl_if", None)
        if type_ == "index" and ddl_if is not None and ddl_if.dialect not in (None, dialect_name):
            return False
        return True

    return include_object
