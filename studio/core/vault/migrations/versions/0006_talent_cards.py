"""talents who hold their own key (DR045): their cards, and the public halves of retired keys

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "talent_cards",
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(80), nullable=False),
        sa.Column("linked_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "retired_talent_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), nullable=False, index=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("held_by", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("retired_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("retired_talent_keys")
    op.drop_table("talent_cards")
