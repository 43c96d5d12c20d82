"""Publishing: getting the built site live.

- Build requests, the build log, what is unpublished, which build is live:
  build_queue.py; at most one queued build by the unique index build_runs_one_queued
  in decant/sql/0010_build_publishing.sql; unpublished changes are catalog_changes rows
  written by triggers in decant/sql/0005_operations.sql.
- The admin's side (who asked, rollback): admin_publishing.py.
- To S3 for a CDN, only changed files, assets before pages: s3_publish.py.
"""
