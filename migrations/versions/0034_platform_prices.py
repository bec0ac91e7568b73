"""The platform's own transaction prices (issue 18 item 3): a row per commodity and day computed
from paid orders, the commodity's keywords that find its products and order lines, and an index
of one market's days (its board).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('price_commodities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keywords', sa.String(length=200), nullable=False, server_default=''))
    with op.batch_alter_table('price_observations', schema=None) as batch_op:
        batch_op.create_index('ix_price_observations_market_day', ['market_id', 'day'], unique=False)

    op.create_table('price_platform_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commodity_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('avg_cents', sa.Integer(), nullable=True),
    sa.Column('low_cents', sa.Integer(), nullable=True),
    sa.Column('high_cents', sa.Integer(), nullable=True),
    sa.Column('volume', sa.Numeric(precision=18, scale=3), nullable=False),
    sa.Column('order_count', sa.Integer(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('lines_left_out', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('avg_cents IS NULL OR (low_cents > 0 AND low_cents <= avg_cents AND avg_cents <= high_cents)',
                       name=op.f('ck_price_platform_daily_platform_prices_ordered')),
    sa.CheckConstraint('lines_left_out >= 0 AND order_count >= 0 AND line_count >= 0',
                       name=op.f('ck_price_platform_daily_platform_counts_not_negative')),
    sa.ForeignKeyConstraint(['commodity_id'], ['price_commodities.id'],
                            name=op.f('fk_price_platform_daily_commodity_id_price_commodities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_platform_daily')),
    sa.UniqueConstraint('commodity_id', 'day', name='uq_price_platform_daily_key')
    )
    with op.batch_alter_table('price_platform_daily', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_platform_daily_day'), ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('price_platform_daily', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_platform_daily_day'))
    op.drop_table('price_platform_daily')
    with op.batch_alter_table('price_observations', schema=None) as batch_op:
        batch_op.drop_index('ix_price_observations_market_day')
    with op.batch_alter_table('price_commodities', schema=None) as batch_op:
        batch_op.drop_column('keywords')
