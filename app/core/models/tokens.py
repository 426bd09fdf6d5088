"""`signature_tokens`: with a database per region, every Mailgun signature token taken, kept in the primary
database.

The signature covers the timestamp and the token, never the body, so a captured signature is refused a second
time only by remembering its token. `inbox`'s unique token remembers it within one database; with
`DATABASE_URL_EU` set, this table's primary key remembers it across all of them: the intake takes a delivery's
token here before (or, in the primary database, in the same statement as) writing its row, and a token already
taken for another database is a replay (app/intake/tokens.py). `store` names the database the token was taken
for, so that a delivery answered 503 after its token was taken is still stored when Mailgun retries it.
Holds tokens only, no region's data. Unused, and empty, without split databases.
"""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models.base import Base, utc_now


class SignatureToken(Base):
    __tablename__ = "signature_tokens"

    token: Mapped[str] = mapped_column(String(255), primary_key=True)
    store: Mapped[str] = mapped_column(String(16), nullable=False)
    taken_at: Mapped[utc_now]

    __table_args__ = (Index("ix_signature_tokens_taken_at", "taken_at"),)
