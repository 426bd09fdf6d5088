from enum import StrEnum


class SyncActionKind(StrEnum):
    BOUNCE = "bounce"
    BOUNCE_DELETE = "bounce_delete"
    COMPLAINT = "complaint"
    COMPLAINT_DELETE = "complaint_delete"
    LIST_UNSUBSCRIBE = "list_unsubscribe"
    UNSUBSCRIBE = "unsubscribe"
    UNSUBSCRIBE_DELETE = "unsubscribe_delete"

    def __str__(self) -> str:
        return str(self.value)
