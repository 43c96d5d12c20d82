"""Staff: the people who run the shop (admin accounts), not an audience.

- Accounts, argon2id passwords, TOTP: accounts.py; e-mails unique case-insensitively by
  admin_users_email_unique in decant/sql/0005_operations.sql.
- Login throttling: login_throttle.py (sliding windows in Redis; see decant/sql/0060).
- Sessions (rotation, idle and absolute expiry, log out everywhere): sessions.py.
- Audit log: audit.py writes in the change's transaction; the trigger
  audit_log_append_only in decant/sql/0005_operations.sql refuses UPDATE and DELETE.
"""
