"""users.locale: the language a person's messages are written in (issue 12: the recipient's, not the sender's)

Every existing account gets Vietnamese, the site's default and the language every message was written in so far.

Revision ID: d7e4a1c2b9f0
Revises: 6a97c86a13fa
Create Date: 2026-12-02 15:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7e4a1c2b9f0'
down_revision = '6a97c86a13fa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=2), server_default='vi', nullable=False))
        batch_op.create_check_constraint(op.f('ck_users_locale_known'), "locale IN ('vi','en')")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_locale_known'), type_='check')
        batch_op.drop_column('locale')
