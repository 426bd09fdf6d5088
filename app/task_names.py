"""Task and queue names, shared by the web (which sends by name) and the workers (which define them)."""

DRAIN_INBOX = "mailhook.drain_inbox"
SWEEP_INBOX = "mailhook.sweep_inbox"

QUEUE_INBOX = "inbox"
QUEUE_DEFAULT = "default"
