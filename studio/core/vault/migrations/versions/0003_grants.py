"""consent grants

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grants",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), nullable=False, index=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("document_sealed", sa.LargeBinary, nullable=False),
        sa.Column("talent_signature", sa.String(128), nullable=True),
        sa.Column("studio_signature", sa.String(128), nullable=True),
        sa.Column("revocation_sealed", sa.LargeBinary, nullable=True),
        sa.Column("revocation_signature", sa.String(128), nullable=True),
        sa.Column("uses", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("grants")
