"""System tokens and measured values

A token may belong to a named system of one province instead of a person (user_id empty,
system_name and province_id set). An answer records which system measured its value, the
time the data refers to and when it arrived; the audit trail names the system.

Revision ID: h13b_01
Revises: h13a_01
Create Date: 2026-12-02 07:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h13b_01'
down_revision = 'h13a_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('system_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('province_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_api_token_province_id_province'),
                                    'province', ['province_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_api_token_province_id'), ['province_id'],
                              unique=False)
        # Exactly one owner: a person, or a system of a province.
        batch_op.create_check_constraint(
            'one_owner', '(user_id IS NULL) <> (system_name IS NULL) '
                         'AND (system_name IS NULL) = (province_id IS NULL)')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('measured_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('measured_as_of', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('measured_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('system', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('system')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_column('measured_at')
        batch_op.drop_column('measured_as_of')
        batch_op.drop_column('measured_by')
    # A system's tokens have no person to belong to: they go with the feature.
    op.execute("DELETE FROM api_token WHERE user_id IS NULL")
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_api_token_one_owner'), type_='check')
        batch_op.drop_index(batch_op.f('ix_api_token_province_id'))
        batch_op.drop_constraint(batch_op.f('fk_api_token_province_id_province'),
                                 type_='foreignkey')
        batch_op.drop_column('province_id')
        batch_op.drop_column('system_name')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
