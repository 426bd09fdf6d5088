"""SQLAlchemy 2.0 typed models. One module per feature; every table is imported here for Alembic."""

from app.models.base import Base
from app.models.events import Event
from app.models.inbound import InboundAttachmentRow, InboundMessageRow
from app.models.inbox import InboxRow
from app.models.leases import TaskLease
from app.models.polling import PollCursor
from app.models.sync import ListMember, MailingList, Suppression, SyncAction, SyncPause

__all__ = [
    "Base",
    "Event",
    "InboundAttachmentRow",
    "InboundMessageRow",
    "InboxRow",
    "ListMember",
    "MailingList",
    "PollCursor",
    "Suppression",
    "SyncAction",
    "SyncPause",
    "TaskLease",
]
