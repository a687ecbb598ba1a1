"""Extensions, created unbound here and bound to the app in the factory; ``held``, how every
package reaches what it keeps in ``app.extensions`` (through a ``get_*`` function of its own)."""

from flask import current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# One naming convention, so that migrations name constraints the same way on
# SQLite and PostgreSQL (batch mode needs names to drop or alter them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def held(name, app=None, build=None):
    """What ``app`` (default: the current app) holds under ``name``; made once by ``build(app)`` if missing.

    Without ``build`` the package's ``init_app`` must have put it there: a KeyError says it did not.
    """
    app = app or current_app
    value = app.extensions.get(name)
    if value is None and build is not None:
        value = app.extensions.setdefault(name, build(app))
    elif value is None:
        raise KeyError(f"app.extensions has no {name!r}: its init_app did not run")
    return value
