-- Publishing the static site: which catalog change a build published (so the next
-- incremental build and the admin know what is still unpublished), and at most one
-- queued build at a time so a burst of "Publish" clicks coalesces into one build.

ALTER TABLE build_runs ADD COLUMN last_change_id bigint;

CREATE UNIQUE INDEX build_runs_one_queued ON build_runs ((true)) WHERE status = 'queued';
CREATE INDEX build_runs_succeeded ON build_runs (id DESC) WHERE status = 'succeeded';
