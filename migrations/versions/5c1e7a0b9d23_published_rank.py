"""ranks published before the platform

Revision ID: 5c1e7a0b9d23
Revises: f24d68550b07
Create Date: 2026-11-23 15:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e7a0b9d23'
down_revision = 'f24d68550b07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_rank', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('published_source', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('published_source')
        batch_op.drop_column('published_rank')
