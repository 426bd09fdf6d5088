from enum import StrEnum


class SyncActionStatus(StrEnum):
    DEAD = "dead"
    DONE = "done"
    FAILED = "failed"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
