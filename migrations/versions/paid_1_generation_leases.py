"""generation leases

Each generation_jobs row (an attempt, a claim or a queued job) carries its
owner, a lease expiry on the database clock and the quota it holds.

Revision ID: paid_1
Revises: releases_2
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types  # noqa: F401  (the portable column types)
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'paid_1'
down_revision = 'releases_2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', app.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('reservation', sa.JSON().with_variant(
            postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.create_index(batch_op.f('ix_generation_jobs_lease_expires_at'), ['lease_expires_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generation_jobs_lease_expires_at'))
        batch_op.drop_column('reservation')
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('owner')
