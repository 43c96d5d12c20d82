"""Mail: the shop's e-mails and the owner's alert posts, through Postgres outboxes.

- Composing and queueing in the caller's transaction: composing.py (templates in
  templates/); a second enqueue is a no-op by UNIQUE email_outbox_dedupe_unique in
  decant/sql/0005_operations.sql.
- Sending (Resend, SMTP, files): outbox.py; the lease that keeps two workers from
  delivering one row (and its retries with backoff) is delivery_leases.py, shared with
  the alert webhooks.
  The worker is woken by the NOTIFY trigger in decant/sql/0071.
- Alert webhooks (Slack, Mattermost, ntfy): alert_webhooks.py, table webhook_outbox in
  decant/sql/0085_owner_notifications.sql.
"""
