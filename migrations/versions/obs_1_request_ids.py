"""generation_logs request and trace ids

The request id and W3C trace id of the request that asked for a generation,
indexed so that a request id or trace id from a log line finds its row.

Revision ID: obs_1
Revises: paid_1
Create Date: 2026-12-07 10:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'obs_1'
down_revision = 'paid_1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('trace_id', sa.String(length=32), nullable=True))
        batch_op.create_index('idx_generation_logs_request_id', ['request_id'], unique=False)
        batch_op.create_index('idx_generation_logs_trace_id', ['trace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('generation_logs', schema=None) as batch_op:
        batch_op.drop_index('idx_generation_logs_trace_id')
        batch_op.drop_index('idx_generation_logs_request_id')
        batch_op.drop_column('trace_id')
        batch_op.drop_column('request_id')
