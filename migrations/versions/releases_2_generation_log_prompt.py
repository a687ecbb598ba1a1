"""generation logs name the template version

The template, version and label a generation job rendered, on generation_logs.

Revision ID: releases_2
Revises: delivery_2
Create Date: 2026-12-07 10:55:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types  # noqa: F401  (the portable column types)


# revision identifiers, used by Alembic.
revision = 'releases_2'
down_revision = 'delivery_2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('prompt_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prompt_label', sa.String(length=50), nullable=True))


def downgrade():
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        batch_op.drop_column('prompt_label')
        batch_op.drop_column('prompt_version')
        batch_op.drop_column('prompt_id')
