"""payments: one open card attempt per order (partial unique index), refunds name the charge they give back, a fresh key after a saved gateway error

Revision ID: b3c1e0a9d4f2
Revises: c38a8ab3ceca
Create Date: 2026-12-01 23:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b3c1e0a9d4f2'
down_revision = 'c38a8ab3ceca'  # after acct's account codes: one head
branch_labels = None
depends_on = None

OPEN = "kind = 'charge' AND method = 'card' AND state = 'pending'"


def upgrade():
    # Orders hit by the double-charge bug may hold several open attempts: keep the newest open, close the
    # others as expired (a payment still reported for one of them is accepted and, beyond the total, refunded).
    op.execute(
        "UPDATE payments SET state = 'expired' WHERE kind = 'charge' AND method = 'card' AND state = 'pending' "
        "AND id NOT IN (SELECT max(id) FROM payments WHERE kind = 'charge' AND method = 'card' "
        "AND state = 'pending' GROUP BY order_id)"
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('gateway_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_payments_refund_of_id_payments'), 'payments', ['refund_of_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_payments_refund_of_id'), ['refund_of_id'], unique=False)
        batch_op.create_index('uq_payments_open_card_attempt', ['order_id'], unique=True,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    # Refunds queued before this revision give back the order's first successful charge, as they did.
    op.execute(
        "UPDATE payments SET refund_of_id = (SELECT min(c.id) FROM payments c WHERE c.order_id = payments.order_id "
        "AND c.kind = 'charge' AND c.state = 'succeeded') WHERE kind = 'refund' AND refund_of_id IS NULL"
    )


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('uq_payments_open_card_attempt', sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
        batch_op.drop_index(batch_op.f('ix_payments_refund_of_id'))
        batch_op.drop_constraint(batch_op.f('fk_payments_refund_of_id_payments'), type_='foreignkey')
        batch_op.drop_column('refund_of_id')
        batch_op.drop_column('gateway_failures')
