"""product_reviews.answer_en: the seller's answer to a review in English, read by English visitors instead of the
Vietnamese one when it is given (issue 17: "shown in the visitor's language where the producer's answer has one")

Revision ID: 7a1e2b3c4d5e
Revises: 5e1f7a9c3b20
Create Date: 2026-12-03 12:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7a1e2b3c4d5e'
down_revision = '5e1f7a9c3b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_en', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('product_reviews', schema=None) as batch_op:
        batch_op.drop_column('answer_en')
