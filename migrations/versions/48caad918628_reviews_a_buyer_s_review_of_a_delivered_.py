"""reviews: a buyer's review of a delivered order line, its photos; products.rating_count and rating_sum (issue 17)

No review exists before this revision, so the products' counts start at 0.

Revision ID: 48caad918628
Revises: ccc31b57f6ec
Create Date: 2026-12-03 07:21:58.683010

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '48caad918628'
down_revision = 'ccc31b57f6ec'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_hub_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("(hidden_at IS NULL) OR (hidden_reason <> '')", name=op.f('ck_product_reviews_hidden_with_reason')),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_product_reviews_stars_range')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_product_reviews_answered_by_id_users')),
    sa.ForeignKeyConstraint(['answered_hub_id'], ['hubs.id'], name=op.f('fk_product_reviews_answered_hub_id_hubs')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_product_reviews_buyer_id_users')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_product_reviews_hidden_by_id_users')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_product_reviews_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_product_reviews_producer_id_producers')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_reviews_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_reviews')),
    sa.UniqueConstraint('order_line_id', name=op.f('uq_product_reviews_order_line_id'))
    )
    with op.batch_alter_table('product_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_reviews_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_reviews_producer_id'), ['producer_id'], unique=False)
        batch_op.create_index('ix_product_reviews_product_created', ['product_id', 'created_at'], unique=False)

    op.create_table('review_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_format', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['product_reviews.id'], name=op.f('fk_review_photos_review_id_product_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_photos')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_review_photos_stored_name'))
    )
    with op.batch_alter_table('review_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_photos_review_id'), ['review_id'], unique=False)

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rating_sum', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('rating_sum')
        batch_op.drop_column('rating_count')

    with op.batch_alter_table('review_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_photos_review_id'))

    op.drop_table('review_photos')
    with op.batch_alter_table('product_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_product_reviews_product_created')
        batch_op.drop_index(batch_op.f('ix_product_reviews_producer_id'))
        batch_op.drop_index(batch_op.f('ix_product_reviews_buyer_id'))

    op.drop_table('product_reviews')
