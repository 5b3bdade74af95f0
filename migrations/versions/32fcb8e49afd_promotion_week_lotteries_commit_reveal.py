"""promotion week lotteries: the commit-reveal seed of each week's draw and its published outcomes (issue 13)

Revision ID: 32fcb8e49afd
Revises: 6da1e6b62d5c
Create Date: 2026-12-02 15:56:21.963263

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '32fcb8e49afd'
down_revision = '6da1e6b62d5c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('promotion_week_lotteries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('commitment', sa.String(length=64), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closing_count', sa.Integer(), nullable=True),
    sa.Column('closing_digest', sa.String(length=64), nullable=True),
    sa.Column('seed', sa.String(length=64), nullable=True),
    sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published', sa.Text(), nullable=False),
    sa.CheckConstraint('(revealed_at IS NULL) = (seed IS NULL)', name=op.f('ck_promotion_week_lotteries_seed_when_revealed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promotion_week_lotteries')),
    sa.UniqueConstraint('week', name=op.f('uq_promotion_week_lotteries_week'))
    )


def downgrade():
    op.drop_table('promotion_week_lotteries')
