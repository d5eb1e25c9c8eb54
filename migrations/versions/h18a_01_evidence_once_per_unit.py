"""one evidence record per unit and file content

Twelve identical uploads at once made three evidence records (and three links): a unique index
on (unit_id, sha256) lets the second writer find the first's record instead. Duplicates made
before are merged into the oldest record, their links moved onto it.

Revision ID: h18a_01
Revises: h12b_01
Create Date: 2026-12-02 05:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h18a_01'
down_revision = 'h12b_01'
branch_labels = None
depends_on = None


def upgrade():
    _merge_duplicates(op.get_bind())
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index('uq_evidence_unit_id_sha256', ['unit_id', 'sha256'], unique=True)


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index('uq_evidence_unit_id_sha256')


def _merge_duplicates(conn) -> None:
    groups = conn.execute(sa.text(
        "SELECT unit_id, sha256, MIN(id) FROM evidence WHERE sha256 IS NOT NULL "
        "GROUP BY unit_id, sha256 HAVING COUNT(*) > 1")).all()
    for unit_id, sha256, keep in groups:
        duplicates = conn.execute(sa.text(
            "SELECT id FROM evidence WHERE unit_id = :unit AND sha256 = :sha AND id <> :keep"),
            {"unit": unit_id, "sha": sha256, "keep": keep}).scalars().all()
        for duplicate in duplicates:
            links = conn.execute(sa.text(
                "SELECT id, assessment_id, code FROM evidence_link WHERE evidence_id = :id"),
                {"id": duplicate}).all()
            for link_id, assessment_id, code in links:
                kept = conn.execute(sa.text(
                    "SELECT 1 FROM evidence_link WHERE evidence_id = :keep "
                    "AND assessment_id = :assessment AND code = :code"),
                    {"keep": keep, "assessment": assessment_id, "code": code}).first()
                statement = ("DELETE FROM evidence_link WHERE id = :link" if kept else
                             "UPDATE evidence_link SET evidence_id = :keep WHERE id = :link")
                conn.execute(sa.text(statement), {"link": link_id, "keep": keep})
            conn.execute(sa.text("DELETE FROM evidence WHERE id = :id"), {"id": duplicate})
