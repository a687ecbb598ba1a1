"""quarter-day spend rollups

spend_quarters: the hourly spend rows of each quarter of a day (00, 06, 12,
18 h UTC) added up, so a spend report reads the edge days of its window as a
few quarters and hours instead of up to 23 hours each. The logs' rollup
watermark is reset, so the next refresh rebuilds the logs rollups (the
quarters among them); until then the reports read the logs. A TRUNCATE of
generation_logs on PostgreSQL forgets the quarters with the other spend rollups.

Revision ID: spend_3
Revises: spend_2
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types  # noqa: F401  (the portable column types)


# revision identifiers, used by Alembic.
revision = 'spend_3'
down_revision = 'spend_2'
branch_labels = None
depends_on = None

PG_FORGET_SPEND = """
CREATE OR REPLACE FUNCTION spend_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM spend_days;
    DELETE FROM spend_hours;
    DELETE FROM spend_weeks;
    {quarters}
    RETURN NULL;
END $$
"""


def upgrade():
    op.create_table('spend_quarters',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('quarter', app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('dimension', sa.String(length=10), nullable=False),
        sa.Column('value', sa.Text(), nullable=True),
        sa.Column('generations', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('images', sa.BigInteger(), nullable=False),
        sa.Column('cost_micros', sa.BigInteger(), nullable=False),
        sa.Column('unknown_cost', sa.Integer(), nullable=False),
        sa.Column('tokens_in', sa.BigInteger(), nullable=False),
        sa.Column('tokens_out', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_spend_quarters')))
    op.create_index('idx_spend_quarters_dimension_quarter', 'spend_quarters', ['dimension', 'quarter'], unique=False)
    op.execute("DELETE FROM rollup_state WHERE source = 'logs'")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FORGET_SPEND.format(quarters="DELETE FROM spend_quarters;"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FORGET_SPEND.format(quarters=""))
    op.drop_index('idx_spend_quarters_dimension_quarter', table_name='spend_quarters')
    op.drop_table('spend_quarters')
