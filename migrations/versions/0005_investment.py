"""Investment projects, inquiries and the lead pipeline

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invest_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('park', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('total_investment_cents', sa.BigInteger(), nullable=False),
    sa.Column('sought_cents', sa.BigInteger(), nullable=False),
    sa.Column('signed_amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('mode', sa.Enum('sole', 'joint_venture', 'cooperation', 'ppp', 'bot', 'equity', 'other', name='coopmode', native_enum=False, length=20), nullable=False),
    sa.Column('land_area_hundredths', sa.Integer(), nullable=False),
    sa.Column('land_nature', sa.Enum('industrial', 'commercial', 'logistics', 'agricultural', 'collective', 'tourism', 'none', name='landnature', native_enum=False, length=20), nullable=False),
    sa.Column('land_status', sa.Enum('ready', 'factory', 'planned', 'none', name='landstatus', native_enum=False, length=20), nullable=False),
    sa.Column('construction', sa.Text(), nullable=False),
    sa.Column('market_outlook', sa.Text(), nullable=False),
    sa.Column('incentives', sa.Text(), nullable=False),
    sa.Column('expected_returns', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=60), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_private', sa.Boolean(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'in_review', 'published', 'signed', 'closed', 'withdrawn', name='projectstatus', native_enum=False, length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invest_projects_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_invest_projects_officer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_invest_projects_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invest_projects')),
    sa.UniqueConstraint('code', name=op.f('uq_invest_projects_code'))
    )
    with op.batch_alter_table('invest_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invest_projects_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invest_projects_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invest_projects_sector'), ['sector'], unique=False)
        batch_op.create_index(batch_op.f('ix_invest_projects_status'), ['status'], unique=False)

    op.create_table('invest_inquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('company', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('mode', sa.Enum('sole', 'joint_venture', 'cooperation', 'ppp', 'bot', 'equity', 'other', name='coopmode', native_enum=False, length=20), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stage', sa.Enum('new', 'contacted', 'negotiating', 'signed', 'declined', name='leadstage', native_enum=False, length=20), nullable=False),
    sa.Column('priority', sa.Enum('key', 'keep', 'dropped', name='leadpriority', native_enum=False, length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('next_follow_up', sa.Date(), nullable=True),
    sa.Column('stage_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_amount_cents', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_invest_inquiries_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['invest_projects.id'], name=op.f('fk_invest_inquiries_project_id_invest_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invest_inquiries_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invest_inquiries'))
    )
    with op.batch_alter_table('invest_inquiries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invest_inquiries_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_invest_inquiries_next_follow_up'), ['next_follow_up'], unique=False)
        batch_op.create_index(batch_op.f('ix_invest_inquiries_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invest_inquiries_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invest_inquiries_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_invest_inquiries_user_id'), ['user_id'], unique=False)

    op.create_table('invest_project_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('photo', 'pdf', name='attachmentkind', native_enum=False, length=10), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=True),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('caption', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['invest_projects.id'], name=op.f('fk_invest_project_attachments_project_id_invest_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_invest_project_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invest_project_attachments'))
    )
    with op.batch_alter_table('invest_project_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invest_project_attachments_project_id'), ['project_id'], unique=False)

    op.create_table('invest_project_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'in_review', 'published', 'signed', 'closed', 'withdrawn', name='projectstatus', native_enum=False, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('draft', 'in_review', 'published', 'signed', 'closed', 'withdrawn', name='projectstatus', native_enum=False, length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_invest_project_status_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['invest_projects.id'], name=op.f('fk_invest_project_status_changes_project_id_invest_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invest_project_status_changes'))
    )
    with op.batch_alter_table('invest_project_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invest_project_status_changes_project_id'), ['project_id'], unique=False)

    op.create_table('invest_project_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitor_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['invest_projects.id'], name=op.f('fk_invest_project_views_project_id_invest_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invest_project_views')),
    sa.UniqueConstraint('project_id', 'day', 'visitor_hash', name=op.f('uq_invest_project_views_project_id_day_visitor_hash'))
    )
    with op.batch_alter_table('invest_project_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invest_project_views_project_id'), ['project_id'], unique=False)

    op.create_table('invest_lead_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('created', 'note', 'call', 'visit', 'stage', 'reply', 'update', name='activitykind', native_enum=False, length=12), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('from_stage', sa.Enum('new', 'contacted', 'negotiating', 'signed', 'declined', name='leadstage', native_enum=False, length=20), nullable=True),
    sa.Column('to_stage', sa.Enum('new', 'contacted', 'negotiating', 'signed', 'declined', name='leadstage', native_enum=False, length=20), nullable=True),
    sa.Column('visible_to_investor', sa.Boolean(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_invest_lead_activities_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['inquiry_id'], ['invest_inquiries.id'], name=op.f('fk_invest_lead_activities_inquiry_id_invest_inquiries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invest_lead_activities'))
    )
    with op.batch_alter_table('invest_lead_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invest_lead_activities_inquiry_id'), ['inquiry_id'], unique=False)



def downgrade():
    with op.batch_alter_table('invest_lead_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invest_lead_activities_inquiry_id'))

    op.drop_table('invest_lead_activities')
    with op.batch_alter_table('invest_project_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invest_project_views_project_id'))

    op.drop_table('invest_project_views')
    with op.batch_alter_table('invest_project_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invest_project_status_changes_project_id'))

    op.drop_table('invest_project_status_changes')
    with op.batch_alter_table('invest_project_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invest_project_attachments_project_id'))

    op.drop_table('invest_project_attachments')
    with op.batch_alter_table('invest_inquiries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invest_inquiries_user_id'))
        batch_op.drop_index(batch_op.f('ix_invest_inquiries_stage'))
        batch_op.drop_index(batch_op.f('ix_invest_inquiries_project_id'))
        batch_op.drop_index(batch_op.f('ix_invest_inquiries_owner_id'))
        batch_op.drop_index(batch_op.f('ix_invest_inquiries_next_follow_up'))
        batch_op.drop_index(batch_op.f('ix_invest_inquiries_created_at'))

    op.drop_table('invest_inquiries')
    with op.batch_alter_table('invest_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invest_projects_status'))
        batch_op.drop_index(batch_op.f('ix_invest_projects_sector'))
        batch_op.drop_index(batch_op.f('ix_invest_projects_region_id'))
        batch_op.drop_index(batch_op.f('ix_invest_projects_officer_id'))

    op.drop_table('invest_projects')
