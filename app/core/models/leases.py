"""`task_leases`: which run of a beat-scheduled task holds it now, so a second beat never doubles the work.

One row per lease name, taken by a conditional UPDATE (free or expired) and released by its holder. A run that
dies without releasing frees the name when `lease_until` passes.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, text_or_none, utc_now, utc_time_or_none


class TaskLease(Base):
    __tablename__ = "task_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A random token per run: only the run that took the lease may release it.
    holder: Mapped[text_or_none]
    lease_until: Mapped[utc_time_or_none]
    updated_at: Mapped[utc_now]
