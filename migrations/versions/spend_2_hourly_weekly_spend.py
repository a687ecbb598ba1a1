"""hourly and weekly spend rollups

spend_hours and spend_weeks, the hourly and weekly twins of spend_days: a
spend report reads its whole weeks from spend_weeks, the whole hours at the
edges of its window from spend_hours, instead of many days and the logs. The logs'
rollup watermark is reset, so the next refresh rebuilds every logs rollup
(the hourly spend rows among them) from the first log on, a week per
transaction; until then the reports read the logs. On PostgreSQL a TRUNCATE of
generation_logs forgets the spend rollups too, as rollup_1 forgets the others.

Revision ID: spend_2
Revises: spend_1
Create Date: 2026-12-12 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types  # noqa: F401  (the portable column types)


# revision identifiers, used by Alembic.
revision = 'spend_2'
down_revision = 'spend_1'
branch_labels = None
depends_on = None

PG_FORGET_SPEND = """
CREATE FUNCTION spend_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM spend_days;
    DELETE FROM spend_hours;
    DELETE FROM spend_weeks;
    RETURN NULL;
END $$
"""


BUCKETS = {'spend_hours': 'hour', 'spend_weeks': 'week'}


def upgrade():
    for table, bucket in BUCKETS.items():
        op.create_table(table,
            sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
            sa.Column(bucket, app.models.types.UTCDateTime(timezone=True), nullable=False),
            sa.Column('dimension', sa.String(length=10), nullable=False),
            sa.Column('value', sa.Text(), nullable=True),
            sa.Column('generations', sa.Integer(), nullable=False),
            sa.Column('failed', sa.Integer(), nullable=False),
            sa.Column('images', sa.BigInteger(), nullable=False),
            sa.Column('cost_micros', sa.BigInteger(), nullable=False),
            sa.Column('unknown_cost', sa.Integer(), nullable=False),
            sa.Column('tokens_in', sa.BigInteger(), nullable=False),
            sa.Column('tokens_out', sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')))
        op.create_index(f'idx_{table}_dimension_{bucket}', table, ['dimension', bucket], unique=False)
    op.execute("DELETE FROM rollup_state WHERE source = 'logs'")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FORGET_SPEND)
        op.execute("CREATE TRIGGER spend_generation_logs_truncate AFTER TRUNCATE ON generation_logs "
                   "FOR EACH STATEMENT EXECUTE FUNCTION spend_forget()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS spend_generation_logs_truncate ON generation_logs")
        op.execute("DROP FUNCTION IF EXISTS spend_forget()")
    for table, bucket in BUCKETS.items():
        op.drop_index(f'idx_{table}_dimension_{bucket}', table_name=table)
        op.drop_table(table)
