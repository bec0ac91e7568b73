"""Region columns (专栏): a county's, township's or village's specialties and text kept by its
village information clerk, its photos, and the history of its edits (who, when, what).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region_columns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('specialties', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_columns_region_id_regions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_region_columns_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_columns')),
    sa.UniqueConstraint('region_id', name=op.f('uq_region_columns_region_id'))
    )
    op.create_table('region_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_region_photos_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_photos_region_id_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_photos'))
    )
    op.create_index(op.f('ix_region_photos_region_id'), 'region_photos', ['region_id'], unique=False)
    op.create_table('region_column_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('specialties', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('photos_added', sa.Integer(), nullable=False),
    sa.Column('photos_removed', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_region_column_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_column_changes_region_id_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_column_changes'))
    )
    op.create_index(op.f('ix_region_column_changes_region_id'), 'region_column_changes', ['region_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_region_column_changes_region_id'), table_name='region_column_changes')
    op.drop_table('region_column_changes')
    op.drop_index(op.f('ix_region_photos_region_id'), table_name='region_photos')
    op.drop_table('region_photos')
    op.drop_table('region_columns')
