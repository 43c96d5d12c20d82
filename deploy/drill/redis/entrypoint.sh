#!/bin/sh
# Run redis-server as redis in /data; other containers on the network must reach it.
set -eu
if [ "${1:-}" = "redis-server" ]; then
    chown redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$@" --protected-mode no
fi
exec "$@"
