"""Imprint: a self-hosted image generation service with a ledger."""

import os

from flask import Flask

from .config import finish_settings, load_env_file, load_settings
from .extensions import db, held, migrate
from .url_rules import LazyBuildRule

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def create_app(config=None):
    """Build the app: settings, extensions, blueprints, errors, CLI. No I/O beyond instance/."""
    load_env_file()
    app = Flask(__name__, instance_path=os.environ.get("IMPRINT_INSTANCE_PATH") or None)
    app.url_rule_class = LazyBuildRule
    load_config(app, config)
    init_logging(app)
    init_extensions(app)
    register_blueprints(app)
    init_security(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def load_config(app, config):
    settings = load_settings()
    settings.update(config or {})
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(finish_settings(settings, app.instance_path))
    app.config.update(
        API_TITLE="Imprint",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An Imprint API key"}
                }
            },
            # Optional by default; endpoints that need a key say so with 401/403.
            "security": [{}, {"bearerAuth": []}],
            "servers": [{"url": "/", "description": "this server"}],
        },
    )


def init_logging(app):
    from .observability import init_app as init_observability

    init_observability(app)


def init_extensions(app):
    from . import models  # noqa: F401  (register the tables on the metadata)
    from .ai.routing import init_app as init_routing
    from .og.memory import init_app as init_og_memory
    from .openapi import Api, OperationPlugin
    from .provenance import init_app as init_provenance
    from .tracking import init_app as init_tracking
    from .webhooks import init_app as init_webhooks

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    # One Api per app (not a module global): tests build many apps in one process.
    app.extensions["api"] = Api(app, spec_kwargs={"extra_plugins": [OperationPlugin()]})
    init_tracking(app)
    init_provenance(app)
    init_routing(app)
    init_webhooks(app)
    init_og_memory(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from .sqlite import tune_sqlite

        with app.app_context():
            tune_sqlite(db.engine)


def register_blueprints(app):
    from .ai import job_routes  # noqa: F401  (adds the job list and cancel to the AI blueprint)
    from .ai.routes import blp as ai_blp
    from .analytics.routes import blp as analytics_blp
    from .auth.routes import blp as auth_blp
    from .comparisons.routes import blp as comparisons_blp
    from .curation.routes import blp as curation_blp
    from .dashboard import init_app as init_dashboard
    from .datasets.routes import blp as datasets_blp
    from .docs import blp as docs_blp
    from .health import blp as health_blp
    from .history.routes import blp as history_blp
    from .landing import blp as landing_blp
    from .observability import init_series as init_request_series
    from .og.routes import ExtensionConverter
    from .og.routes import blp as og_blp
    from .og.template_routes import blp as og_templates_blp
    from .openai_api.routes import blp as openai_blp
    from .privacy.routes import users_blp as user_data_blp
    from .prompts.post_routes import blp as posts_blp
    from .prompts.release_routes import LabelConverter
    from .prompts.release_routes import blp as releases_blp
    from .prompts.routes import PromptIdConverter
    from .prompts.routes import blp as prompts_blp
    from .provenance.routes import blp as provenance_blp
    from .spend.routes import blp as spend_blp
    from .storage.routes import blp as storage_blp
    from .webhooks.routes import blp as webhooks_blp

    api = held("api", app)
    app.url_map.converters["prompt_id"] = PromptIdConverter
    api.register_converter(PromptIdConverter, PromptIdConverter.parameter_schema)
    app.url_map.converters["label"] = LabelConverter
    api.register_converter(LabelConverter, LabelConverter.parameter_schema)
    app.url_map.converters["card_ext"] = ExtensionConverter
    api.register_converter(ExtensionConverter, ExtensionConverter.parameter_schema)
    for blp in (health_blp, auth_blp, og_blp, og_templates_blp, ai_blp, datasets_blp, storage_blp, prompts_blp, posts_blp,
                releases_blp, comparisons_blp, history_blp, analytics_blp, spend_blp, user_data_blp, openai_blp, provenance_blp,
                curation_blp, webhooks_blp):
        api.register_blueprint(blp)
    app.register_blueprint(docs_blp)
    app.register_blueprint(landing_blp)
    init_dashboard(app)
    init_request_series(app)


def init_security(app):
    from .auth import current_principal
    from .security import init_security as init
    from .security.limits import limit_blueprints

    init(app, principal_of=current_principal)
    limit_blueprints(app)


def register_error_handlers(app):
    from .errors import init_errors

    init_errors(app)


def register_cli(app):
    from .cli import init_cli

    init_cli(app, create_app)
