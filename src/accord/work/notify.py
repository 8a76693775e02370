"""Former home of the notifications, kept importable while issue 15's parallel moves merge.

Its parts now live where they belong: the outbox (`muted`, `enqueue`, `enqueue_many`) in
`accord.work.outbox`, the email and webhook delivery in `accord.work.delivery`, the ticket
Message-IDs and the reply marker in `accord.core.message_ids`, and the ticket notices
(addressing, rendering, the fan-out, the clock's warnings and breaches) in
`accord.helpdesk.notices`. Nothing in Accord imports this module; delete it once no branch does.
"""

from accord.core.message_ids import (
    REPLY_MARKER,
    mail_domain,
    message_id,
    ticket_of_message_id,
)
from accord.work.outbox import enqueue, enqueue_many, is_muted, muted

__all__ = [
    "REPLY_MARKER",
    "enqueue",
    "enqueue_many",
    "is_muted",
    "mail_domain",
    "message_id",
    "muted",
    "ticket_of_message_id",
]
