"""The migrations build every seed table, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.extensions import db
from app.migrating import include_object_for, upgrade_database

# The columns each seed document names, by table.
SEED_COLUMNS = {
    "og_generations": {  # seed 000
        "id", "seed", "aspect_ratio", "quote_text", "quote_author", "custom_width",
        "custom_height", "shape_count", "ip_address", "user_agent", "created_at", "updated_at",
    },
    "generation_logs": {  # seed 001
        "id", "user_id", "job_id", "style", "difficulty", "duration_ms", "costs", "tokens",
        "success", "error_message", "created_at",
    },
    "generated_images": {  # seed 002 ∪ seed 004
        "id", "user_id", "prompt", "full_prompt", "image_url", "dataset_id", "style",
        "aspect_ratio", "quality", "format", "resolution", "reference_images_count",
        "unique_visual_elements", "created_at", "request_id", "username", "tool_name", "model",
        "size", "n", "storage_url", "storage_provider", "mime_type", "bytes", "sha256", "tags",
        "status", "error", "metadata", "message_id",
    },
    "datasets": {"id", "name", "brand_name", "vibe", "description", "unique_visual_elements"},
    "dataset_images": {"id", "dataset_id", "image_url", "storage_key"},
    "prompts": {"id", "name", "category", "template", "negative_prompt", "tags", "is_active",
                "usage_count", "success_count"},
    "prompt_usage": {  # seed 003, "Integration Points"
        "id", "prompt_id", "post_id", "user_id", "character_id", "job_id", "scene",
        "environment", "outfit", "prompt", "negative_prompt", "success", "generation_time_ms",
        "error_message", "created_at",
    },
    "prompt_favorites": {"user_id", "prompt_id", "created_at"},
    "posts": {"id", "user_id", "character_id", "job_id", "prompt_id", "scene", "environment",
              "outfit", "image_url", "prompt", "negative_prompt"},
    "users": {"id", "username", "is_admin"},
    "api_keys": {"id", "user_id", "prefix", "key_hash", "revoked_at"},
}

SEED_004_INDEXES = {
    "idx_generated_images_user_id_created_at",
    "idx_generated_images_request_id",
    "idx_generated_images_status",
    "idx_generated_images_storage_url",
    "idx_generated_images_user_id",
    "idx_generated_images_dataset_id",
    "idx_generated_images_created_at",
}


def test_every_seed_table_has_the_seed_columns(app):
    with app.app_context():
        inspector = inspect(db.engine)
        tables = set(inspector.get_table_names())
        for table, columns in SEED_COLUMNS.items():
            assert table in tables, f"missing table {table}"
            present = {column["name"] for column in inspector.get_columns(table)}
            assert columns <= present, f"{table} lacks {sorted(columns - present)}"


def test_seed_indexes_exist_and_gin_only_on_postgres(app):
    with app.app_context():
        inspector = inspect(db.engine)
        names = {index["name"] for index in inspector.get_indexes("generated_images")}
        assert SEED_004_INDEXES <= names
        gin = {"idx_generated_images_metadata_gin", "idx_generated_images_tags_gin"}
        if db.engine.dialect.name == "postgresql":
            assert gin <= names
        else:
            assert not gin & names


def test_foreign_keys_follow_seed_002(app):
    with app.app_context():
        inspector = inspect(db.engine)
        rules = {
            fk["referred_table"]: (fk.get("options") or {}).get("ondelete")
            for fk in inspector.get_foreign_keys("generated_images")
        }
        assert rules["users"] == "CASCADE"
        assert rules["datasets"] == "SET NULL"


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": include_object_for(connection.dialect.name)},
        )
        assert compare_metadata(context, db.metadata) == []


def test_upgrade_twice_is_harmless(app):
    upgrade_database(app)
    upgrade_database(app)
    with app.app_context():
        assert "generated_images" in inspect(db.engine).get_table_names()
