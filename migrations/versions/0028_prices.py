"""Market prices (行情, issue 18): commodities (the variety tree), markets and the commodities they
usually trade, daily price observations (with their per-standard-unit values) and their history.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('price_commodities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_price_commodities_category_id_categories')),
    sa.ForeignKeyConstraint(['parent_id'], ['price_commodities.id'], name=op.f('fk_price_commodities_parent_id_price_commodities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_commodities')),
    sa.UniqueConstraint('code', name=op.f('uq_price_commodities_code'))
    )
    with op.batch_alter_table('price_commodities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_commodities_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_commodities_parent_id'), ['parent_id'], unique=False)

    op.create_table('price_markets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('operator', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('kind', sa.Enum('central', 'county', name='marketkind', native_enum=False, length=10), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_price_markets_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_markets')),
    sa.UniqueConstraint('name', name=op.f('uq_price_markets_name'))
    )
    with op.batch_alter_table('price_markets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_markets_region_id'), ['region_id'], unique=False)

    op.create_table('price_market_commodities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('commodity_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commodity_id'], ['price_commodities.id'], name=op.f('fk_price_market_commodities_commodity_id_price_commodities')),
    sa.ForeignKeyConstraint(['market_id'], ['price_markets.id'], name=op.f('fk_price_market_commodities_market_id_price_markets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_market_commodities')),
    sa.UniqueConstraint('market_id', 'commodity_id', name=op.f('uq_price_market_commodities_market_id_commodity_id'))
    )
    with op.batch_alter_table('price_market_commodities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_market_commodities_commodity_id'), ['commodity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_market_commodities_market_id'), ['market_id'], unique=False)

    op.create_table('price_observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commodity_id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('spec', sa.String(length=60), nullable=False),
    sa.Column('origin', sa.String(length=60), nullable=False),
    sa.Column('origin_region_id', sa.Integer(), nullable=True),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('low_cents', sa.Integer(), nullable=False),
    sa.Column('avg_cents', sa.Integer(), nullable=False),
    sa.Column('high_cents', sa.Integer(), nullable=False),
    sa.Column('std_low_cents', sa.Integer(), nullable=False),
    sa.Column('std_avg_cents', sa.Integer(), nullable=False),
    sa.Column('std_high_cents', sa.Integer(), nullable=False),
    sa.Column('volume', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'held', 'published', 'rejected', name='pricestatus', native_enum=False, length=10), nullable=False),
    sa.Column('reference_cents', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('low_cents > 0 AND low_cents <= avg_cents AND avg_cents <= high_cents AND high_cents <= 100000000', name=op.f('ck_price_observations_prices_ordered')),
    sa.CheckConstraint('std_low_cents > 0 AND std_low_cents <= std_avg_cents AND std_avg_cents <= std_high_cents', name=op.f('ck_price_observations_std_prices_ordered')),
    sa.CheckConstraint('volume IS NULL OR volume >= 0', name=op.f('ck_price_observations_volume_not_negative')),
    sa.ForeignKeyConstraint(['commodity_id'], ['price_commodities.id'], name=op.f('fk_price_observations_commodity_id_price_commodities')),
    sa.ForeignKeyConstraint(['market_id'], ['price_markets.id'], name=op.f('fk_price_observations_market_id_price_markets')),
    sa.ForeignKeyConstraint(['origin_region_id'], ['regions.id'], name=op.f('fk_price_observations_origin_region_id_regions')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_price_observations_reporter_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_observations')),
    sa.UniqueConstraint('commodity_id', 'market_id', 'day', 'spec', name='uq_price_observations_key')
    )
    with op.batch_alter_table('price_observations', schema=None) as batch_op:
        batch_op.create_index('ix_price_observations_day_status', ['day', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_observations_market_id'), ['market_id'], unique=False)
        batch_op.create_index('ix_price_observations_series', ['commodity_id', 'status', 'day'], unique=False)

    op.create_table('price_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'held', 'published', 'rejected', name='pricestatus', native_enum=False, length=10), nullable=True),
    sa.Column('to_status', sa.Enum('draft', 'held', 'published', 'rejected', name='pricestatus', native_enum=False, length=10), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=True),
    sa.Column('low_cents', sa.Integer(), nullable=True),
    sa.Column('avg_cents', sa.Integer(), nullable=True),
    sa.Column('high_cents', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_price_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['observation_id'], ['price_observations.id'], name=op.f('fk_price_changes_observation_id_price_observations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_changes'))
    )
    with op.batch_alter_table('price_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_changes_observation_id'), ['observation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('price_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_changes_observation_id'))

    op.drop_table('price_changes')
    with op.batch_alter_table('price_observations', schema=None) as batch_op:
        batch_op.drop_index('ix_price_observations_series')
        batch_op.drop_index(batch_op.f('ix_price_observations_market_id'))
        batch_op.drop_index('ix_price_observations_day_status')

    op.drop_table('price_observations')
    with op.batch_alter_table('price_market_commodities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_market_commodities_market_id'))
        batch_op.drop_index(batch_op.f('ix_price_market_commodities_commodity_id'))

    op.drop_table('price_market_commodities')
    with op.batch_alter_table('price_markets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_markets_region_id'))

    op.drop_table('price_markets')
    with op.batch_alter_table('price_commodities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_commodities_parent_id'))
        batch_op.drop_index(batch_op.f('ix_price_commodities_category_id'))

    op.drop_table('price_commodities')
