"""favourites and collections

Image favourites per user (image_favorites) and collections of images (collections,
collection_images), shareable read-only by a token.

Revision ID: delivery_2
Revises: releases_1
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types  # noqa: F401  (the portable column types)

# revision identifiers, used by Alembic.
revision = 'delivery_2'
down_revision = 'releases_1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('image_favorites',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('image_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['image_id'], ['generated_images.id'], name=op.f('fk_image_favorites_image_id_generated_images'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_image_favorites_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'image_id', name=op.f('pk_image_favorites'))
    )
    with op.batch_alter_table('image_favorites', schema=None) as batch_op:
        batch_op.create_index('idx_image_favorites_image_id', ['image_id'], unique=False)
    op.create_table('collections',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('share_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_collections_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collections')),
    sa.UniqueConstraint('share_token', name=op.f('uq_collections_share_token'))
    )
    with op.batch_alter_table('collections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collections_user_id'), ['user_id'], unique=False)
    op.create_table('collection_images',
    sa.Column('collection_id', sa.Uuid(), nullable=False),
    sa.Column('image_id', sa.Uuid(), nullable=False),
    sa.Column('added_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['collections.id'], name=op.f('fk_collection_images_collection_id_collections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['image_id'], ['generated_images.id'], name=op.f('fk_collection_images_image_id_generated_images'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('collection_id', 'image_id', name=op.f('pk_collection_images'))
    )
    with op.batch_alter_table('collection_images', schema=None) as batch_op:
        batch_op.create_index('idx_collection_images_image_id', ['image_id'], unique=False)


def downgrade():
    op.drop_table('collection_images')
    op.drop_table('collections')
    op.drop_table('image_favorites')
