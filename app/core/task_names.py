"""Task and queue names, shared by the web (which sends by name) and the workers (which define them)."""

DRAIN_INBOX = "mailhook.drain_inbox"
DRAIN_INBOUND = "mailhook.drain_inbound"
# Each lane of the inbox has its drain (workers/events/drain.py): tracking webhooks, and inbound mail.
DRAIN_TASKS = (DRAIN_INBOX, DRAIN_INBOUND)
SWEEP_INBOX = "mailhook.sweep_inbox"
POLL_EVENTS = "mailhook.poll_events"
PURGE_EXPIRED = "mailhook.purge_expired"
CREATE_PARTITIONS = "mailhook.create_partitions"
SORT_PARTITIONS = "mailhook.sort_partitions"
FETCH_STORED_MESSAGE = "mailhook.fetch_stored_message"
SWEEP_STORED_FETCHES = "mailhook.sweep_stored_fetches"

QUEUE_INBOX = "inbox"
QUEUE_DEFAULT = "default"

# Sync back to Mailgun, one task per region (the region is the argument); on the default queue.
PUSH_SYNC = "mailhook.push_sync"
REFRESH_LISTS = "mailhook.refresh_lists"

# Push subscriptions: beat hands out the due ones, one task per subscription pushes its batches.
PUSH_SUBSCRIPTIONS = "mailhook.push_subscriptions"
PUSH_SUBSCRIPTION = "mailhook.push_subscription"
