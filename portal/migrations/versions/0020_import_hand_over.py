"""import: a requester's rows may be handed to one of its offices as they are imported

The office the batch hands its rows to (依頼先の代理人); rows that pass every
check become 依頼中 for that office, as the form's 「代理人に依頼する」 does one
at a time.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-26 07:25:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_org_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_import_batch_agent_org_id_organization', 'organization',
                                    ['agent_org_id'], ['id'])


def downgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_constraint('fk_import_batch_agent_org_id_organization', type_='foreignkey')
        batch_op.drop_column('agent_org_id')
