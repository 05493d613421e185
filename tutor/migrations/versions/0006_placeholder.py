"""Placeholder for revision 0006 (own-deck ids never reused), written on another branch.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 03:30:00

It changes nothing: it only lets 0007 name its parent here. The real 0006 takes its place
when the branches meet (delete this file then).
"""

from collections.abc import Sequence

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing (see the module's docstring)."""


def downgrade() -> None:
    """Nothing (see the module's docstring)."""
