from enum import StrEnum


class DeadLetterStatus(StrEnum):
    DEAD = "dead"
    DONE = "done"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
