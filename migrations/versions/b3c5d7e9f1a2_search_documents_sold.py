"""search_documents.sold: units delivered, for the "Bán chạy" (best_selling) search sort (issue 14)

Filled from products.sold_count, so the PostgreSQL search backend sorts right at once; the embedded indexes
(tantivy, Whoosh) take the figure at `flask --app wsgi search reindex` (tantivy's schema version 2 asks for it).

Revision ID: b3c5d7e9f1a2
Revises: 3b7c9e2d4f61
Create Date: 2026-12-02 19:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3c5d7e9f1a2'
down_revision = '3b7c9e2d4f61'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sold', sa.Integer(), server_default='0', nullable=False))
    op.execute("""
        UPDATE search_documents SET sold = COALESCE((
            SELECT products.sold_count FROM products WHERE products.id = search_documents.product_id), 0)
    """)


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_column('sold')
