"""Imported schemes: a province's schemes of record, stored with the workbook they came from

Revision ID: h13a_01
Revises: h18b_01
Create Date: 2026-12-02 07:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h13a_01'
down_revision = 'h18b_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'imported_scheme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('plugin', sa.String(length=40), nullable=False),
        sa.Column('family', sa.String(length=60), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('first_year', sa.Integer(), nullable=False),
        sa.Column('last_year', sa.Integer(), nullable=True),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('workbook', sa.LargeBinary(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.Column('province_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['imported_by_id'], ['user.id'],
                                name=op.f('fk_imported_scheme_imported_by_id_user')),
        sa.ForeignKeyConstraint(['province_id'], ['province.id'],
                                name=op.f('fk_imported_scheme_province_id_province')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_scheme')),
        sa.UniqueConstraint('code', name=op.f('uq_imported_scheme_code')),
    )
    with op.batch_alter_table('imported_scheme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_scheme_province_id'), ['province_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('imported_scheme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_scheme_province_id'))
    op.drop_table('imported_scheme')
