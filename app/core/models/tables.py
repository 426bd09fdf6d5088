"""SQLAlchemy 2.0 typed models. One module per feature; every table is imported here for Alembic."""

from app.core.models.base import Base
from app.core.models.events import Event
from app.core.models.feed import FeedHorizon
from app.core.models.inbound import InboundAttachmentRow, InboundMessageRow
from app.core.models.inbox import InboxRow
from app.core.models.leases import TaskLease
from app.core.models.polling import PollCursor
from app.core.models.sessions import DashboardSession
from app.core.models.subscriptions import PushSubscription
from app.core.models.sync import ListMember, MailingList, Suppression, SyncAction, SyncPause
from app.core.models.tokens import SignatureToken

__all__ = [
    "Base",
    "DashboardSession",
    "Event",
    "FeedHorizon",
    "InboundAttachmentRow",
    "InboundMessageRow",
    "InboxRow",
    "ListMember",
    "MailingList",
    "PollCursor",
    "PushSubscription",
    "SignatureToken",
    "Suppression",
    "SyncAction",
    "SyncPause",
    "TaskLease",
]
