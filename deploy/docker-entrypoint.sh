#!/bin/sh
# Start of the app container: apply migrations, then (for the web process) build the
# site into the public volume before serving, so Nginx never serves an old or empty
# tree after an upgrade (`decant restore` runs without either). The worker skips the build (DECANT_SKIP_START_BUILD=1 or a
# command other than gunicorn).
set -eu

# `decant restore` is given an empty database (docs/operations.md, recovering a lost
# machine): migrating first would fill it with empty tables, and the restore refuses a
# database that has tables.
if [ "${1:-} ${2:-}" != "decant restore" ]; then
    decant migrate
fi

if [ "${1:-}" = "gunicorn" ] && [ "${DECANT_SKIP_START_BUILD:-0}" != "1" ]; then
    decant build
fi

exec "$@"
