"""generation attempts

generation_logs.attempts: each provider call of a job (target, outcome,
error, time, cost), so a request that fell back from one target to the next
shows every call it made.

Revision ID: routing_1
Revises: og_1
Create Date: 2026-12-07 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'routing_1'
down_revision = 'og_1_templates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))


def downgrade():
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        batch_op.drop_column('attempts')
