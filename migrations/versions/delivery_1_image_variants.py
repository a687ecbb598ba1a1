"""image variants

Resized or re-encoded copies of stored images (image_variants), made once on request and kept in
storage; each goes with its source file.

Revision ID: delivery_1
Revises: og_1_templates
Create Date: 2026-12-07 10:50:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types  # noqa: F401  (the portable column types)

# revision identifiers, used by Alembic.
revision = 'delivery_1'
down_revision = 'og_1_templates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('image_variants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('source_bucket', sa.String(length=64), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('variant_key', sa.Text(), nullable=False),
    sa.Column('mime_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_image_variants')),
    sa.UniqueConstraint('variant_key', name=op.f('uq_image_variants_variant_key'))
    )
    with op.batch_alter_table('image_variants', schema=None) as batch_op:
        batch_op.create_index('idx_image_variants_source', ['source_bucket', 'source_key'], unique=False)


def downgrade():
    with op.batch_alter_table('image_variants', schema=None) as batch_op:
        batch_op.drop_index('idx_image_variants_source')
    op.drop_table('image_variants')
