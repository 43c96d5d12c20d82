"""Ops: keeping an install healthy without an operator watching.

- Backups that restore (database + images, checksums, retention, S3): backups.py;
  bucket_exposure.py refuses a bucket anyone can read.
- Health checks (`decant doctor`): doctor.py.
- Periodic jobs run by the worker, once across workers: schedule.py, rows in
  scheduled_jobs (decant/sql/0085_owner_notifications.sql).
- Telling the owner: owner_alerts.py turns owner_notifications rows (written by
  triggers in decant/sql/0085) into mail and webhook posts; owner_digest.py, the
  morning e-mail.
"""
