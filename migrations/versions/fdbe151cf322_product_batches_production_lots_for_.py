"""Product batches (issue 17): production lots of a listing, named by its traceability stamps

Revision ID: fdbe151cf322
Revises: d7e4a1c2b9f0
Create Date: 2026-12-02 19:32:13 (issue 17)

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fdbe151cf322'
down_revision = 'd7e4a1c2b9f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lot_code', sa.String(length=32), nullable=False),
    sa.Column('produced_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity BETWEEN 1 AND 1000000', name=op.f('ck_product_batches_quantity_range')),
    sa.CheckConstraint('expires_on IS NULL OR expires_on > produced_on', name=op.f('ck_product_batches_expires_after_production')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_product_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_batches_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_batches')),
    sa.UniqueConstraint('product_id', 'lot_code', name='uq_product_batches_product_lot')
    )
    with op.batch_alter_table('product_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_batches_product_id'), ['product_id'], unique=False)


def downgrade():
    with op.batch_alter_table('product_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_batches_product_id'))
    op.drop_table('product_batches')
