#!/bin/sh
# Start of the app container: apply migrations, then (for the web process) build the
# site into the public volume before serving, so Nginx never serves an old or empty
# tree after an upgrade. The worker skips the build (DECANT_SKIP_START_BUILD=1 or a
# command other than gunicorn).
set -eu

decant migrate

if [ "${1:-}" = "gunicorn" ] && [ "${DECANT_SKIP_START_BUILD:-0}" != "1" ]; then
    decant build
fi

exec "$@"
