"""import: rows may be imported ready to send (送信可能として取り込む), counted per batch

Revision ID: 0015
Revises: 0012
Create Date: 2026-11-25 23:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mark_ready', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('ready_count', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('ready_count')
        batch_op.drop_column('mark_ready')
