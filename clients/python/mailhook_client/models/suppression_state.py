from enum import StrEnum


class SuppressionState(StrEnum):
    FAILED = "failed"
    OBSERVED = "observed"
    PENDING = "pending"
    REMOVED = "removed"
    SYNCED = "synced"

    def __str__(self) -> str:
        return str(self.value)
