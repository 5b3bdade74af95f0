"""commune officers (cán bộ xã): role commune_officer with users.commune_id (issue 13, commune scope)

A commune officer's account names its commune; the role check admits the new role, and a second check refuses a
commune officer without a commune (they would otherwise fall through every commune filter).

Revision ID: e1b0e1bc6ebe
Revises: 32fcb8e49afd
Create Date: 2026-12-02 15:55:45.299854

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e1b0e1bc6ebe'
down_revision = '32fcb8e49afd'
branch_labels = None
depends_on = None


def _defer_foreign_keys(on: bool) -> None:
    # SQLite rebuilds `users` in batch mode; the tables pointing at it are checked at the commit instead.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA defer_foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _defer_foreign_keys(True)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_commune_id'), ['commune_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_commune_id_communes'), 'communes', ['commune_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_users_role_known'), "role IN ('buyer','producer','staff','admin','commune_officer')")
        batch_op.create_check_constraint(
            op.f('ck_users_commune_officer_has_commune'), "role <> 'commune_officer' OR commune_id IS NOT NULL")
    _defer_foreign_keys(False)


def downgrade():
    _defer_foreign_keys(True)
    op.execute("UPDATE users SET role = 'staff' WHERE role = 'commune_officer'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_commune_officer_has_commune'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_role_known'), "role IN ('buyer','producer','staff','admin')")
        batch_op.drop_constraint(batch_op.f('fk_users_commune_id_communes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_commune_id'))
        batch_op.drop_column('commune_id')
    _defer_foreign_keys(False)
