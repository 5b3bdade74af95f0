"""Carriers (issue 17): a shipment per producer order (carrier, tracking code unique per carrier, COD expected and
reported, the carrier's fee, the parcel's state) and the tracking events carriers report (unique per key)

Revision ID: df00a42de2f6
Revises: 7a1e2b3c4d5e
Create Date: 2026-12-03 12:24:24.901203

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'df00a42de2f6'
down_revision = '7a1e2b3c4d5e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('producer_order_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=16), nullable=False),
    sa.Column('tracking_code', sa.String(length=40), nullable=False),
    sa.Column('cod_vnd', sa.Integer(), nullable=False),
    sa.Column('fee_vnd', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('needs_attention', sa.Boolean(), nullable=False),
    sa.Column('cod_reported_vnd', sa.Integer(), nullable=True),
    sa.Column('cod_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('hub_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("carrier IN ('ghn','manual')", name=op.f('ck_shipments_carrier_known')),
    sa.CheckConstraint("status IN ('created','picked_up','in_transit','delivering','failed_attempt','returning','delivered','returned','cancelled','lost')", name=op.f('ck_shipments_status_known')),
    sa.CheckConstraint('cod_reported_vnd IS NULL OR cod_reported_vnd >= 0', name=op.f('ck_shipments_reported_not_negative')),
    sa.CheckConstraint('cod_vnd >= 0 AND fee_vnd >= 0', name=op.f('ck_shipments_amounts_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_shipments_created_by_id_users')),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_shipments_hub_id_hubs')),
    sa.ForeignKeyConstraint(['producer_order_id'], ['producer_orders.id'], name=op.f('fk_shipments_producer_order_id_producer_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
    sa.UniqueConstraint('carrier', 'tracking_code', name='uq_shipments_carrier_tracking'),
    sa.UniqueConstraint('producer_order_id', name=op.f('uq_shipments_producer_order_id'))
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipments_needs_attention'), ['needs_attention'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipments_status'), ['status'], unique=False)

    op.create_table('shipment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=120), nullable=False),
    sa.Column('carrier_status', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('created','picked_up','in_transit','delivering','failed_attempt','returning','delivered','returned','cancelled','lost')", name=op.f('ck_shipment_events_status_known')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_shipment_events_shipment_id_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_events')),
    sa.UniqueConstraint('shipment_id', 'event_key', name='uq_shipment_events_key')
    )
    with op.batch_alter_table('shipment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_events_shipment_id'), ['shipment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('shipment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_events_shipment_id'))

    op.drop_table('shipment_events')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipments_status'))
        batch_op.drop_index(batch_op.f('ix_shipments_needs_attention'))

    op.drop_table('shipments')
