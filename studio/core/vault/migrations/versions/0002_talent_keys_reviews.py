"""talents' own signing keys; signed asset reviews

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "talent_keys",
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("asset_id", sa.String(32), sa.ForeignKey("assets.id"), nullable=False, index=True),
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("statement_sealed", sa.LargeBinary, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_table("talent_keys")
