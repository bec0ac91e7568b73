"""Messages: conversations between a buyer and a shop about a subject (kind, id), their messages,
photos and reports; a last-read message id per side for the unread counts.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_id', sa.Integer(), nullable=False),
    sa.Column('last_preview', sa.String(length=80), nullable=False),
    sa.Column('last_side', sa.Enum('buyer', 'shop', name='side', native_enum=False, length=10), nullable=True),
    sa.Column('buyer_read_id', sa.Integer(), nullable=False),
    sa.Column('shop_read_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_conversations_buyer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_conversations_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('buyer_id', 'shop_id', 'subject_kind', 'subject_id', name='one_per_subject')
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_buyer_last', ['buyer_id', 'last_message_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversations_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_conversations_shop_last', ['shop_id', 'last_message_at'], unique=False)

    op.create_table('conversation_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('side', sa.Enum('buyer', 'shop', name='side', native_enum=False, length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('client_token', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_conversation_messages_sender_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_messages')),
    sa.UniqueConstraint('conversation_id', 'client_token', name='one_per_token')
    )
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_messages_unread', ['conversation_id', 'side', 'id'], unique=False)

    op.create_table('conversation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reporter_side', sa.Enum('buyer', 'shop', name='side', native_enum=False, length=10), nullable=False),
    sa.Column('reason', sa.Enum('spam', 'abuse', 'fraud', 'prohibited', 'privacy', 'other', name='reportreason', native_enum=False, length=20), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.Enum('no_action', 'warned', 'closed', name='resolution', native_enum=False, length=20), nullable=True),
    sa.Column('resolution_note', sa.String(length=500), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_reports_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_conversation_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_conversation_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_reports'))
    )
    with op.batch_alter_table('conversation_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_reports_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('conversation_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['conversation_messages.id'], name=op.f('fk_conversation_images_message_id_conversation_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_images'))
    )
    with op.batch_alter_table('conversation_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_images_message_id'), ['message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('conversation_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_images_message_id'))

    op.drop_table('conversation_images')
    with op.batch_alter_table('conversation_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_reports_conversation_id'))

    op.drop_table('conversation_reports')
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_messages_unread')

    op.drop_table('conversation_messages')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_shop_last')
        batch_op.drop_index(batch_op.f('ix_conversations_created_at'))
        batch_op.drop_index('ix_conversations_buyer_last')

    op.drop_table('conversations')
