-- Failed admin logins are counted in sliding windows in Redis (decant/login_throttle.py),
-- per submitted e-mail whether or not an account has it; the per-account counter and
-- lock that never decayed are gone.
ALTER TABLE admin_users DROP COLUMN failed_logins, DROP COLUMN locked_until;
