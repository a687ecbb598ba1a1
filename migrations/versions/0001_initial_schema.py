"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 23:58:55.589600

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import app.models.types

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alert_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('rule', sa.String(length=50), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('started_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_events'))
    )
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.create_index('idx_alert_events_rule_started_at', ['rule', 'started_at'], unique=False)

    op.create_table('og_generations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seed', sa.String(length=255), nullable=False),
    sa.Column('aspect_ratio', sa.String(length=50), nullable=False),
    sa.Column('quote_text', sa.Text(), nullable=True),
    sa.Column('quote_author', sa.String(length=255), nullable=True),
    sa.Column('custom_width', sa.Integer(), nullable=True),
    sa.Column('custom_height', sa.Integer(), nullable=True),
    sa.Column('shape_count', sa.Integer(), nullable=True),
    sa.Column('ip_address', app.models.types.IPAddress(length=45), nullable=True),
    sa.Column('user_agent', sa.Text(), nullable=True),
    sa.Column('format', sa.String(length=10), nullable=True),
    sa.Column('theme', sa.String(length=50), nullable=True),
    sa.Column('render_time_ms', sa.Float(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_og_generations'))
    )
    with op.batch_alter_table('og_generations', schema=None) as batch_op:
        batch_op.create_index('idx_og_generations_created_at', ['created_at'], unique=False)
        batch_op.create_index('idx_og_generations_seed', ['seed'], unique=False)

    op.create_table('prompts',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('template', sa.Text(), nullable=False),
    sa.Column('negative_prompt', sa.Text(), nullable=True),
    sa.Column('tags', app.models.types.Tags(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('usage_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('success_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompts'))
    )
    with op.batch_alter_table('prompts', schema=None) as batch_op:
        batch_op.create_index('idx_prompts_active_usage', ['is_active', 'usage_count'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompts_category'), ['category'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('is_admin', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('daily_generation_limit', sa.Integer(), nullable=True),
    sa.Column('daily_cost_limit_usd', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('requests_per_minute', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('prefix', sa.String(length=32), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('is_admin', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('scopes', sa.Text(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_user_id'), ['user_id'], unique=False)

    op.create_table('datasets',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('brand_name', sa.String(length=200), nullable=True),
    sa.Column('vibe', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('unique_visual_elements', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_datasets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_datasets'))
    )
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_datasets_user_id'), ['user_id'], unique=False)

    op.create_table('generation_jobs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('request', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_generation_jobs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generation_jobs'))
    )
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_generation_jobs_user_id'), ['user_id'], unique=False)

    op.create_table('generation_logs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('job_id', sa.Text(), nullable=True),
    sa.Column('style', sa.Text(), nullable=True),
    sa.Column('difficulty', sa.Integer(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('costs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('tokens', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('success', sa.Boolean(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('scene', sa.Text(), nullable=True),
    sa.Column('photo_size', sa.Text(), nullable=True),
    sa.Column('tool_name', sa.Text(), nullable=True),
    sa.Column('provider', sa.String(length=50), nullable=True),
    sa.Column('model', sa.Text(), nullable=True),
    sa.Column('image_id', sa.Uuid(), nullable=True),
    sa.Column('steps', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_generation_logs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generation_logs'))
    )
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        batch_op.create_index('idx_generation_logs_created_at', ['created_at'], unique=False)
        batch_op.create_index('idx_generation_logs_style_created_at', ['style', 'created_at'], unique=False)
        batch_op.create_index('idx_generation_logs_user_id_created_at', ['user_id', 'created_at'], unique=False)

    op.create_table('prompt_favorites',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('prompt_id', sa.String(length=100), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_prompt_favorites_prompt_id_prompts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_prompt_favorites_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'prompt_id', name=op.f('pk_prompt_favorites'))
    )
    op.create_table('prompt_usage',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('prompt_id', sa.String(length=100), nullable=False),
    sa.Column('prompt_version', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('character_id', sa.Text(), nullable=True),
    sa.Column('job_id', sa.Text(), nullable=True),
    sa.Column('scene', sa.Text(), nullable=True),
    sa.Column('environment', sa.Text(), nullable=True),
    sa.Column('outfit', sa.Text(), nullable=True),
    sa.Column('prompt', sa.Text(), nullable=True),
    sa.Column('negative_prompt', sa.Text(), nullable=True),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('generation_time_ms', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('variables', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_prompt_usage_prompt_id_prompts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_prompt_usage_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_usage'))
    )
    with op.batch_alter_table('prompt_usage', schema=None) as batch_op:
        batch_op.create_index('idx_prompt_usage_prompt_id_created_at', ['prompt_id', 'created_at'], unique=False)
        batch_op.create_index('idx_prompt_usage_prompt_id_scene', ['prompt_id', 'scene'], unique=False)
        batch_op.create_index('idx_prompt_usage_user_id', ['user_id'], unique=False)

    op.create_table('prompt_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('prompt_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('template', sa.Text(), nullable=False),
    sa.Column('negative_prompt', sa.Text(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_prompt_versions_prompt_id_prompts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_versions')),
    sa.UniqueConstraint('prompt_id', 'version', name='uq_prompt_versions_prompt_version')
    )
    op.create_table('dataset_images',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('dataset_id', sa.Uuid(), nullable=False),
    sa.Column('bucket', sa.String(length=50), nullable=False),
    sa.Column('storage_key', sa.Text(), nullable=False),
    sa.Column('storage_provider', sa.String(length=50), nullable=True),
    sa.Column('image_url', sa.Text(), nullable=False),
    sa.Column('mime_type', sa.String(length=50), nullable=True),
    sa.Column('bytes', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_dataset_images_dataset_id_datasets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset_images'))
    )
    with op.batch_alter_table('dataset_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataset_images_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('generated_images',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Text(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('username', sa.Text(), nullable=True),
    sa.Column('tool_name', sa.Text(), server_default='generateUserImage', nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('full_prompt', sa.Text(), nullable=True),
    sa.Column('negative_prompt', sa.Text(), nullable=True),
    sa.Column('model', sa.Text(), nullable=True),
    sa.Column('provider', sa.String(length=50), nullable=True),
    sa.Column('size', sa.String(length=20), nullable=True),
    sa.Column('quality', sa.Text(), nullable=True),
    sa.Column('style', sa.Text(), nullable=True),
    sa.Column('n', sa.Integer(), server_default='1', nullable=True),
    sa.Column('image_url', sa.Text(), nullable=True),
    sa.Column('storage_url', sa.Text(), nullable=True),
    sa.Column('storage_provider', sa.String(length=50), server_default='local', nullable=True),
    sa.Column('storage_key', sa.Text(), nullable=True),
    sa.Column('mime_type', sa.String(length=50), nullable=True),
    sa.Column('bytes', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.CHAR(length=64), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('tags', app.models.types.Tags(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='success', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('message_id', sa.Text(), nullable=True),
    sa.Column('dataset_id', sa.Uuid(), nullable=True),
    sa.Column('prompt_id', sa.String(length=100), nullable=True),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('aspect_ratio', sa.Text(), nullable=True),
    sa.Column('format', sa.Text(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('reference_images_count', sa.Integer(), server_default='0', nullable=True),
    sa.Column('unique_visual_elements', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('cost_usd', sa.Numeric(precision=12, scale=6), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_generated_images_dataset_id_datasets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['generated_images.id'], name=op.f('fk_generated_images_parent_id_generated_images'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_generated_images_prompt_id_prompts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_generated_images_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generated_images'))
    )
    with op.batch_alter_table('generated_images', schema=None) as batch_op:
        batch_op.create_index('idx_generated_images_created_at', ['created_at'], unique=False)
        batch_op.create_index('idx_generated_images_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('idx_generated_images_dataset_id', ['dataset_id'], unique=False)
        batch_op.create_index('idx_generated_images_request_id', ['request_id'], unique=False)
        batch_op.create_index('idx_generated_images_status', ['status'], unique=False, postgresql_where=sa.text("status <> 'success'"), sqlite_where=sa.text("status <> 'success'"))
        batch_op.create_index('idx_generated_images_storage_url', ['storage_url'], unique=False)
        batch_op.create_index('idx_generated_images_user_id', ['user_id'], unique=False)
        batch_op.create_index('idx_generated_images_user_id_created_at', ['user_id', 'created_at'], unique=False)

    # GIN indexes exist on PostgreSQL only; SQLite has no equivalent.
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('idx_generated_images_metadata_gin', 'generated_images', ['metadata'], unique=False, postgresql_using='gin')
        op.create_index('idx_generated_images_tags_gin', 'generated_images', ['tags'], unique=False, postgresql_using='gin')

    op.create_table('posts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('character_id', sa.Text(), nullable=True),
    sa.Column('job_id', sa.Text(), nullable=True),
    sa.Column('prompt_id', sa.String(length=100), nullable=True),
    sa.Column('scene', sa.Text(), nullable=True),
    sa.Column('environment', sa.Text(), nullable=True),
    sa.Column('outfit', sa.Text(), nullable=True),
    sa.Column('image_url', sa.Text(), nullable=True),
    sa.Column('prompt', sa.Text(), nullable=True),
    sa.Column('negative_prompt', sa.Text(), nullable=True),
    sa.Column('generated_image_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['generated_image_id'], ['generated_images.id'], name=op.f('fk_posts_generated_image_id_generated_images'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['prompt_id'], ['prompts.id'], name=op.f('fk_posts_prompt_id_prompts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_posts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posts_prompt_id'), ['prompt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_user_id'), ['user_id'], unique=False)



def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('idx_generated_images_tags_gin', table_name='generated_images')
        op.drop_index('idx_generated_images_metadata_gin', table_name='generated_images')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_user_id'))
        batch_op.drop_index(batch_op.f('ix_posts_prompt_id'))

    op.drop_table('posts')
    with op.batch_alter_table('generated_images', schema=None) as batch_op:
        batch_op.drop_index('idx_generated_images_user_id_created_at')
        batch_op.drop_index('idx_generated_images_user_id')
        batch_op.drop_index('idx_generated_images_storage_url')
        batch_op.drop_index('idx_generated_images_status', postgresql_where=sa.text("status <> 'success'"), sqlite_where=sa.text("status <> 'success'"))
        batch_op.drop_index('idx_generated_images_request_id')
        batch_op.drop_index('idx_generated_images_dataset_id')
        batch_op.drop_index('idx_generated_images_created_at_id')
        batch_op.drop_index('idx_generated_images_created_at')

    op.drop_table('generated_images')
    with op.batch_alter_table('dataset_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataset_images_dataset_id'))

    op.drop_table('dataset_images')
    op.drop_table('prompt_versions')
    with op.batch_alter_table('prompt_usage', schema=None) as batch_op:
        batch_op.drop_index('idx_prompt_usage_user_id')
        batch_op.drop_index('idx_prompt_usage_prompt_id_scene')
        batch_op.drop_index('idx_prompt_usage_prompt_id_created_at')

    op.drop_table('prompt_usage')
    op.drop_table('prompt_favorites')
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        batch_op.drop_index('idx_generation_logs_user_id_created_at')
        batch_op.drop_index('idx_generation_logs_style_created_at')
        batch_op.drop_index('idx_generation_logs_created_at')

    op.drop_table('generation_logs')
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generation_jobs_user_id'))

    op.drop_table('generation_jobs')
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_datasets_user_id'))

    op.drop_table('datasets')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_user_id'))

    op.drop_table('api_keys')
    op.drop_table('users')
    with op.batch_alter_table('prompts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompts_category'))
        batch_op.drop_index('idx_prompts_active_usage')

    op.drop_table('prompts')
    with op.batch_alter_table('og_generations', schema=None) as batch_op:
        batch_op.drop_index('idx_og_generations_seed')
        batch_op.drop_index('idx_og_generations_created_at')

    op.drop_table('og_generations')
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.drop_index('idx_alert_events_rule_started_at')

    op.drop_table('alert_events')
