"""applications: the bulk import that made them

Set when a row of a bulk import becomes an application, so the import's result
page can show exactly those applications (申請データ検索 narrowed to the batch).
No foreign key: on SQLite adding one rebuilds the whole application table (and
dropping it again fails while other tables point at it); batches are never deleted.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-26 09:25:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_batch_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_application_import_batch_id', ['import_batch_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_import_batch_id')
        batch_op.drop_column('import_batch_id')
