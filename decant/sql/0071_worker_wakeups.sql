-- The worker wakes as soon as there is work for it.
--
-- A queued build and an e-mail put in the outbox send a notification on the channel
-- `decant_worker`; the worker LISTENs on it and starts a round at once instead of
-- waiting for its next poll (polling stays, for anything a notification misses).
-- A trigger rather than the code that queues: every writer is covered, and NOTIFY
-- is transactional, so the worker is told only once the row is committed and can
-- see it. PostgreSQL folds identical notifications of one transaction into one, so
-- a transaction that queues many e-mails wakes the worker once. A build recorded as
-- already running (`decant build` from the command line) is no work for the worker.

CREATE FUNCTION notify_worker() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_catalog
AS $$
BEGIN
    PERFORM pg_notify('decant_worker', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER build_runs_notify_worker AFTER INSERT ON build_runs
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION notify_worker();

CREATE TRIGGER email_outbox_notify_worker AFTER INSERT ON email_outbox
    FOR EACH ROW EXECUTE FUNCTION notify_worker();
