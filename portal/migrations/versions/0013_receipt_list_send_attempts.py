"""受付番号リスト: send attempts, request time, lease and error code (the send job's compare-and-set claim)

Revision ID: 0013
Revises: 0014
Create Date: 2026-11-25 20:55:55.312201

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('receipt_list', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_code', sa.String(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('requested_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('receipt_list', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('requested_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('error_code')
