"""VAT invoice requests (issue 17): a buyer's tax code, company and address on a part of an order; the seller's
invoice number once issued

Revision ID: 3b7c9e2d4f61
Revises: fdbe151cf322
Create Date: 2026-12-02 20:05:00 (issue 17)

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b7c9e2d4f61'
down_revision = 'fdbe151cf322'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('vat_invoice_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('producer_order_id', sa.Integer(), nullable=False),
    sa.Column('tax_code', sa.String(length=14), nullable=False),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('company_address', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('requested','issued')", name=op.f('ck_vat_invoice_requests_status_known')),
    sa.CheckConstraint("(status = 'issued') = (invoice_number IS NOT NULL)", name=op.f('ck_vat_invoice_requests_number_when_issued')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_vat_invoice_requests_issued_by_id_users')),
    sa.ForeignKeyConstraint(['producer_order_id'], ['producer_orders.id'], name=op.f('fk_vat_invoice_requests_producer_order_id_producer_orders')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_vat_invoice_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vat_invoice_requests')),
    sa.UniqueConstraint('producer_order_id', name=op.f('uq_vat_invoice_requests_producer_order_id'))
    )


def downgrade():
    op.drop_table('vat_invoice_requests')
