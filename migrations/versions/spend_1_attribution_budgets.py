"""spend attribution, budgets and spend rollups

The API key (and end user, tags, image count) on the ledger rows; budgets,
expiry and allowlists on keys and users; daily spend rollups of
generation_logs, kept with the others (the triggers of rollup_1 already mark
their dirty hours).

Revision ID: spend_1
Revises: routing_1
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types  # noqa: F401  (the portable column types)
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'spend_1'
down_revision = 'routing_1'
branch_labels = None
depends_on = None

BUDGET = ('budget_usd', 'budget_generations', 'budget_period')


def _budget_columns():
    return [sa.Column('budget_usd', sa.Numeric(precision=12, scale=6), nullable=True),
            sa.Column('budget_generations', sa.Integer(), nullable=True),
            sa.Column('budget_period', sa.String(length=10), nullable=True)]


def _measures():
    return [sa.Column('generations', sa.Integer(), nullable=False),
            sa.Column('failed', sa.Integer(), nullable=False),
            sa.Column('images', sa.BigInteger(), nullable=False),
            sa.Column('cost_micros', sa.BigInteger(), nullable=False),
            sa.Column('unknown_cost', sa.Integer(), nullable=False),
            sa.Column('tokens_in', sa.BigInteger(), nullable=False),
            sa.Column('tokens_out', sa.BigInteger(), nullable=False)]


def _row_id():
    return sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False)


def upgrade():
    for table in ('generated_images', 'generation_logs', 'og_generations', 'prompt_usage'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('api_key_id', sa.Uuid(), nullable=True))
    with op.batch_alter_table('generated_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_user', sa.Text(), nullable=True))
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_user', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('tags', app.models.types.Tags(), nullable=True))
        batch_op.add_column(sa.Column('images', sa.Integer(), nullable=True))
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', app.models.types.UTCDateTime(timezone=True), nullable=True))
        for column in _budget_columns():
            batch_op.add_column(column)
        batch_op.add_column(sa.Column('allowed_models', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('allowed_providers', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        for column in _budget_columns():
            batch_op.add_column(column)
    op.create_table('spend_days',
        _row_id(),
        sa.Column('day', app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('dimension', sa.String(length=10), nullable=False),
        sa.Column('value', sa.Text(), nullable=True),
        *_measures(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_spend_days')))
    op.create_index('idx_spend_days_dimension_day', 'spend_days', ['dimension', 'day'], unique=False)


def downgrade():
    op.drop_index('idx_spend_days_dimension_day', table_name='spend_days')
    op.drop_table('spend_days')
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name in reversed(BUDGET):
            batch_op.drop_column(name)
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        for name in ('allowed_providers', 'allowed_models', *reversed(BUDGET), 'expires_at'):
            batch_op.drop_column(name)
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        for name in ('images', 'tags', 'end_user'):
            batch_op.drop_column(name)
    with op.batch_alter_table('generated_images', schema=None) as batch_op:
        batch_op.drop_column('end_user')
    for table in ('prompt_usage', 'og_generations', 'generation_logs', 'generated_images'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('api_key_id')
