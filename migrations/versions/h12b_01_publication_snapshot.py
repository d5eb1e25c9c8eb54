"""publication snapshot: what a publication published, kept as it was

Revision ID: h12b_01
Revises: h12a_01
Create Date: 2026-12-02 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h12b_01'
down_revision = 'h12a_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'publication_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('publication_id', sa.Integer(), nullable=False),
        sa.Column('scheme_code', sa.String(length=60), nullable=False),
        sa.Column('scheme_version', sa.Integer(), nullable=False),
        sa.Column('catalogue_sha256', sa.String(length=64), nullable=False),
        sa.Column('catalogue', sa.Text(), nullable=False),
        sa.Column('not_ranked', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('province_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['province_id'], ['province.id']),
        sa.ForeignKeyConstraint(['publication_id'], ['publication.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('publication_id'),
    )
    op.create_index('ix_publication_snapshot_province_id', 'publication_snapshot',
                    ['province_id'])
    op.create_table(
        'published_place',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('snapshot_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('unit_code', sa.String(length=60), nullable=False),
        sa.Column('unit_name', sa.String(length=200), nullable=False),
        sa.Column('group', sa.String(length=20), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.Column('scores', sa.Text(), nullable=False),
        sa.Column('province_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['province_id'], ['province.id']),
        sa.ForeignKeyConstraint(['snapshot_id'], ['publication_snapshot.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_published_place_province_id', 'published_place', ['province_id'])
    op.create_index('ix_published_place_snapshot_id', 'published_place', ['snapshot_id'])
    op.create_index('ix_published_place_unit_id', 'published_place', ['unit_id'])


def downgrade():
    op.drop_index('ix_published_place_unit_id', table_name='published_place')
    op.drop_index('ix_published_place_snapshot_id', table_name='published_place')
    op.drop_index('ix_published_place_province_id', table_name='published_place')
    op.drop_table('published_place')
    op.drop_index('ix_publication_snapshot_province_id', table_name='publication_snapshot')
    op.drop_table('publication_snapshot')
