"""e-mail outbox, mail preferences, password-reset links

Revision ID: h16_01
Revises: 5c1e7a0b9d23
"""
from alembic import op
import sqlalchemy as sa


revision = 'h16_01'
down_revision = '5c1e7a0b9d23'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('province_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('to_addr', sa.String(length=200), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('dedupe_key', sa.String(length=100), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('claim', sa.String(length=32), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['province_id'], ['province.id'],
                                name=op.f('fk_outbox_mail_province_id_province')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_outbox_mail_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mail')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_mail_dedupe_key')),
    )
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_mail_state_next', ['state', 'next_attempt_at'])
        batch_op.create_index(batch_op.f('ix_outbox_mail_province_id'), ['province_id'])
        batch_op.create_index(batch_op.f('ix_outbox_mail_user_id'), ['user_id'])

    op.create_table(
        'mail_preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('province_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['province_id'], ['province.id'],
                                name=op.f('fk_mail_preference_province_id_province')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_mail_preference_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_preference')),
        sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_mail_preference_user_id')),
    )
    with op.batch_alter_table('mail_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_preference_province_id'), ['province_id'])
        batch_op.create_index(batch_op.f('ix_mail_preference_user_id'), ['user_id'])

    op.create_table(
        'password_reset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_password_reset_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash')),
    )
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_user_id'), ['user_id'])


def downgrade():
    for table, indexes in (
        ('password_reset', ['ix_password_reset_user_id']),
        ('mail_preference', ['ix_mail_preference_user_id', 'ix_mail_preference_province_id']),
        ('outbox_mail', ['ix_outbox_mail_user_id', 'ix_outbox_mail_province_id',
                         'ix_outbox_mail_state_next']),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
