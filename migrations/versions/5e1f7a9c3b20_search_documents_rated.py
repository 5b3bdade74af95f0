"""search_documents.rated: the buyers' review average and count as one key, for the "Đánh giá cao" (top_rated)
search sort (issue 17)

Filled from products.rating_sum and rating_count with catalog.models.rating_key's formula, so the PostgreSQL search
backend sorts right at once; the embedded indexes (tantivy, Whoosh) take it at `flask --app wsgi search reindex`
(tantivy's schema version 3 asks for it). No review text is indexed.

Revision ID: 5e1f7a9c3b20
Revises: 48caad918628
Create Date: 2026-12-03 08:09:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e1f7a9c3b20'
down_revision = '48caad918628'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rated', sa.Integer(), server_default='0', nullable=False))
    op.execute("""
        UPDATE search_documents SET rated = COALESCE((
            SELECT CASE WHEN products.rating_count > 0
                        THEN (products.rating_sum * 100 / products.rating_count) * 1048576
                             + CASE WHEN products.rating_count > 1048575 THEN 1048575 ELSE products.rating_count END
                        ELSE 0 END
            FROM products WHERE products.id = search_documents.product_id), 0)
    """)


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_column('rated')
