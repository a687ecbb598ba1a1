"""The WSGI entry point: ``flask --app wsgi run`` or ``gunicorn wsgi:app``."""

from app import create_app
from app.migrating import upgrade_database

app = create_app()
if app.config["AUTO_MIGRATE"]:
    upgrade_database(app)
