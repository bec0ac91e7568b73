"""Price alerts (issue 18, item 5): a user's watch on a commodity's price (above or below a
threshold per the standard unit, at one market or any), and the notices given, unique per alert,
market and day (a re-publication or a correction the same day notifies once).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('price_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('commodity_id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=True),
    sa.Column('market_key', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('above', 'below', name='alertdirection', native_enum=False, length=10), nullable=False),
    sa.Column('threshold_cents', sa.Integer(), nullable=False),
    sa.Column('entered_unit', sa.String(length=10), nullable=False),
    sa.Column('entered_cents', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('threshold_cents > 0 AND threshold_cents <= 100000000', name=op.f('ck_price_alerts_threshold_sane')),
    sa.ForeignKeyConstraint(['commodity_id'], ['price_commodities.id'], name=op.f('fk_price_alerts_commodity_id_price_commodities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['market_id'], ['price_markets.id'], name=op.f('fk_price_alerts_market_id_price_markets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_price_alerts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_alerts')),
    sa.UniqueConstraint('user_id', 'commodity_id', 'market_key', 'direction', 'threshold_cents', name='uq_price_alerts_same')
    )
    with op.batch_alter_table('price_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_price_alerts_watch', ['commodity_id', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_alerts_user_id'), ['user_id'], unique=False)

    op.create_table('price_alert_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=True),
    sa.Column('std_avg_cents', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['price_alerts.id'], name=op.f('fk_price_alert_notices_alert_id_price_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['market_id'], ['price_markets.id'], name=op.f('fk_price_alert_notices_market_id_price_markets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['observation_id'], ['price_observations.id'], name=op.f('fk_price_alert_notices_observation_id_price_observations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_alert_notices')),
    sa.UniqueConstraint('alert_id', 'market_id', 'day', name='uq_price_alert_notices_once')
    )


def downgrade():
    op.drop_table('price_alert_notices')
    with op.batch_alter_table('price_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_alerts_user_id'))
        batch_op.drop_index('ix_price_alerts_watch')
    op.drop_table('price_alerts')
