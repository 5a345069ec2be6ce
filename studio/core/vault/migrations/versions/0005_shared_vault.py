"""a shared vault (DR027): 64-bit sizes, and the uploads a station makes before it commits

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SIZES = (("blobs", "size"), ("assets", "size"), ("asset_files", "size"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # SQLite's INTEGER is 64-bit already
        for table, column in _SIZES:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer(),
                            existing_nullable=False)
    op.create_table(
        "uploads",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("store", sa.String(16), primary_key=True),
        sa.Column("owner", sa.String(32), primary_key=True),
        sa.Column("started_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("uploads")
