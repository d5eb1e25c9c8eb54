"""API tokens expire

Revision ID: h18b_01
Revises: h18a_01
Create Date: 2026-12-02 04:40:00

"""
from datetime import datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h18b_01'
down_revision = 'h18a_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    # Tokens made before expiry existed get the default lifetime from today, not a sudden end.
    op.get_bind().execute(sa.text("UPDATE api_token SET expires_at = :at WHERE expires_at IS NULL"),
                          {"at": datetime.utcnow() + timedelta(days=365)})


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
