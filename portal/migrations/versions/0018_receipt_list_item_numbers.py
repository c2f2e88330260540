"""受付番号リスト: each item keeps the 受付番号 and 到達番号 it was listed with

A list is sent for one filing of each application. After 却下 and 再申請 the
application has a new 受付番号; reading the numbers from the application made
an already-sent list show (and re-send) numbers it never held, and kept the
new filing off every new list. Existing items take the application's current
numbers, unless it was resubmitted after the list was made (left empty).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26 07:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('receipt_list_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_number', sa.String(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('arrival_number', sa.String(length=40), nullable=False,
                                      server_default=''))
    # An application resubmitted after its list was made no longer has the numbers the list
    # held, and which they were is not recorded: such items stay empty (the list shows no
    # number for it and the new filing is free to go on a new list).
    op.execute(
        "UPDATE receipt_list_item SET "
        "receipt_number = (SELECT a.receipt_number FROM application a "
        "WHERE a.id = receipt_list_item.application_id), "
        "arrival_number = (SELECT a.arrival_number FROM application a "
        "WHERE a.id = receipt_list_item.application_id) "
        "WHERE NOT EXISTS (SELECT 1 FROM application_event e, receipt_list rl "
        "WHERE rl.id = receipt_list_item.receipt_list_id "
        "AND e.application_id = receipt_list_item.application_id "
        "AND e.kind IN ('resubmit_requested', 'resubmitted') "
        "AND e.created_at > rl.created_at)")


def downgrade():
    with op.batch_alter_table('receipt_list_item', schema=None) as batch_op:
        batch_op.drop_column('arrival_number')
        batch_op.drop_column('receipt_number')
