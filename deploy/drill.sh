#!/usr/bin/env bash
# The operations drill: the production compose stack run for real, as an operator would,
# on this machine (podman, no image registry, no outside network).
#
#   deploy/drill.sh            # as root; needs podman, runc, podman-compose, debootstrap
#
# 1. a Debian bookworm base image made with debootstrap (cached), Python wheels
#    downloaded on the host (cached), the app image built on that base from
#    deploy/Dockerfile, and local PostgreSQL/Redis/Nginx images from Debian's packages;
# 2. docker-compose.yml + compose.drill.yml (only those three images swapped) brought up
#    with podman-compose, each service waited on with the health check compose declares;
# 3. the operator's journey of docs/operations.md: .env with generated secrets,
#    migrations, the owner account, a self-signed certificate where certbot's would be,
#    the shop over HTTPS through Nginx, a purchase paid through a fake Stripe on the
#    host and Stripe's signed webhook, the client address the app records, `decant
#    backup`, the database volume destroyed, `decant restore`, every table compared;
# 4. prints each step's time and the time from nothing to a shop serving HTTPS, says
#    which step broke, and removes its containers, volumes and network in any case.
#
# DECANT_DRILL_CACHE (default /var/tmp/decant-drill) keeps the base image's marker, the
# wheels and podman's settings between runs; DECANT_DRILL_KEEP=1 leaves the stack up.
set -Eeuo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${DECANT_DRILL_CACHE:-/var/tmp/decant-drill}"
BASE_IMAGE="${DECANT_DRILL_BASE_IMAGE:-localhost/debian-base:bookworm}"
PROJECT="${DECANT_DRILL_PROJECT:-decant-drill}"
DOMAIN="shop.example.com"
SPOOFED="203.0.113.66"
EMAIL="drill-shopper@example.com"
OWNER="owner@example.com"
# crun refuses this machine's hybrid cgroups; the default ulimits exceed what it allows
ENGINE_ARGS=(--runtime /usr/sbin/runc --ulimit nofile=1024:1024 --ulimit nproc=1000:1000)

mkdir -p "$CACHE"
# one drill at a time on a machine: the compose network's subnet is fixed
exec 9> "$CACHE/drill.lock"
flock 9
export CONTAINERS_CONF="$CACHE/containers.conf"
cat > "$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[engine]
runtime = "runc"
EOF

WORK="$(mktemp -d "$CACHE/run.XXXXXX")"
APP="$WORK/app"
LOG="$WORK/drill.log"
FAKE_STRIPE_PID=""
STARTED=$(date +%s)
STEP=""
STEP_STARTED=0
TIMES=()

say() { echo "drill: $*"; }

end_step() {
    if [ -n "$STEP" ]; then
        TIMES+=("$(printf '%6ss  %s' "$(($(date +%s) - STEP_STARTED))" "$STEP")")
    fi
    STEP=""
}

step() {
    end_step
    STEP="$1"
    STEP_STARTED=$(date +%s)
    say "--- $STEP"
}

print_times() {
    say "step times:"
    local line
    for line in "${TIMES[@]}"; do echo "drill: $line"; done
    say "total $(($(date +%s) - STARTED))s"
}

container() { echo "${PROJECT}_$1_1"; }

compose() {
    (cd "$APP/deploy" && podman-compose -p "$PROJECT" -f docker-compose.yml -f compose.drill.yml "$@") >> "$LOG" 2>&1
}

in_app() { podman exec "$(container app)" "$@"; }

psql_decant() { podman exec -u postgres "$(container postgres)" psql -U decant -d decant -v ON_ERROR_STOP=1 -Atc "$1"; }

remove_stack() {
    local ids
    ids="$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" 2>/dev/null || true)"
    [ -z "$ids" ] || podman rm -f -t 5 $ids >/dev/null 2>&1 || true
    for volume in $(podman volume ls -q 2>/dev/null | grep "^${PROJECT}_" || true); do
        podman volume rm -f "$volume" >/dev/null 2>&1 || true
    done
    podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
}

on_exit() {
    local status=$?
    trap - EXIT
    if [ "$status" -ne 0 ]; then
        echo "drill: FAILED at step: ${STEP:-?} (exit status $status)" >&2
        for service in postgres redis app worker nginx; do
            if podman container exists "$(container "$service")" 2>/dev/null; then
                echo "drill: --- last lines of $service ($(podman inspect -f '{{.State.Status}}' "$(container "$service")"))" >&2
                podman logs --tail 25 "$(container "$service")" >&2 2>&1 || true
            fi
        done
        [ ! -f "$LOG" ] || { echo "drill: --- last lines of podman-compose" >&2; tail -n 15 "$LOG" >&2; }
    fi
    end_step
    [ ${#TIMES[@]} -eq 0 ] || print_times
    [ -z "$FAKE_STRIPE_PID" ] || kill "$FAKE_STRIPE_PID" 2>/dev/null || true
    if [ "${DECANT_DRILL_KEEP:-0}" = "1" ]; then
        say "kept: the stack ($PROJECT) and $WORK"
    else
        remove_stack
        rm -rf "$WORK"
        say "cleaned up: containers, volumes and network of $PROJECT"
    fi
    exit "$status"
}
trap on_exit EXIT

wait_healthy() {
    # The health check compose declares, run until it passes: podman runs health checks
    # from systemd timers, which a machine without systemd does not have.
    local name deadline state
    name="$(container "$1")"
    deadline=$(($(date +%s) + $2))
    while :; do
        state="$(podman inspect -f '{{.State.Status}}' "$name" 2>/dev/null || echo missing)"
        if [ "$state" = "running" ] && podman healthcheck run "$name" >/dev/null 2>&1; then
            say "$1 healthy"
            return 0
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            say "$1 not healthy after $2 s (container $state)"
            return 1
        fi
        sleep 2
    done
}

host_mirror() {
    # the machine's own Debian mirror (deb822 or one-line sources), else Debian's CDN
    local uri
    uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)"
    [ -n "$uri" ] || uri="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v security | head -n1 || true)"
    echo "${uri:-http://deb.debian.org/debian}"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

compose_value() {
    # a value of docker-compose.yml, read as YAML (python3-yaml comes with podman-compose)
    /usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' \
        "$APP/deploy/docker-compose.yml" "$1"
}

# --------------------------------------------------------------------------------------
for tool in podman podman-compose python3 openssl git; do
    command -v "$tool" >/dev/null || { say "needs $tool"; exit 2; }
done
[ -x /usr/sbin/runc ] || { say "needs runc (apt-get install runc)"; exit 2; }
remove_stack  # what an aborted run may have left
say "started $(date -u +%FT%TZ); work folder $WORK"

step "base image ($BASE_IMAGE)"
if podman image exists "$BASE_IMAGE"; then
    say "cached: $BASE_IMAGE"
else
    command -v debootstrap >/dev/null || { say "needs debootstrap"; exit 2; }
    mirror="$(host_mirror)"
    rootfs="$CACHE/rootfs"
    rm -rf "$rootfs"
    say "debootstrap bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" > "$CACHE/debootstrap.log" 2>&1 \
        || { tail -n 20 "$CACHE/debootstrap.log"; exit 1; }
    security="${mirror%/debian}/debian-security"
    cat > "$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*
    tar -C "$rootfs" -c . | podman import - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
fi

step "wheels (pip download on the host)"
PY="$REPO/.venv/bin/python"
[ -x "$PY" ] && "$PY" -m pip --version >/dev/null 2>&1 || PY=python3
"$PY" - "$REPO/pyproject.toml" > "$WORK/requirements.txt" <<'EOF'
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))
print("\n".join(project["project"]["dependencies"] + project["build-system"]["requires"]))
# pip download evaluates python_full_version markers with this host's Python, not
# --python-version: what Debian's 3.11.2 needs beyond a newer 3.11 is named here
print("async-timeout>=4.0.3")
EOF
WHEELS="$CACHE/wheels"
WHEEL_PYTHON="3.11.2"  # Debian bookworm's python3, what the image runs on the local base
key="$( (cat "$WORK/requirements.txt"; echo "$WHEEL_PYTHON") | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$WHEELS/.requirements.sha256" 2>/dev/null)" = "$key" ]; then
    say "cached: $(ls "$WHEELS" | grep -c '\.whl$') wheels"
else
    mkdir -p "$WHEELS"
    # for the image's Python, Debian bookworm's 3.11.2 (markers such as redis's
    # python_full_version < "3.11.3" need the full version), whatever this host runs
    "$PY" -m pip download -q -d "$WHEELS" --only-binary=:all: --python-version "$WHEEL_PYTHON" \
        --implementation cp --abi cp311 --platform manylinux2014_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux1_x86_64 \
        -r "$WORK/requirements.txt" wheel >> "$LOG" 2>&1 || { grep -v "WARNING: Location" "$LOG" | tail -n 20; exit 1; }
    echo "$key" > "$WHEELS/.requirements.sha256"
    say "downloaded: $(ls "$WHEELS" | grep -c '\.whl$') wheels"
fi

step "images (app on the local base, PostgreSQL, Redis, Nginx from Debian)"
# a copy of the checkout (tracked and new files, as git sees them): the drill writes its
# .env and wheels there, never into the operator's tree
mkdir -p "$APP"
git -C "$REPO" ls-files -z -co --exclude-standard \
    | (cd "$REPO" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _) \
    | tar -C "$REPO" --null -T - -c | tar -C "$APP" -x
cp -l "$WHEELS"/*.whl "$APP/deploy/wheels/" 2>/dev/null || cp "$WHEELS"/*.whl "$APP/deploy/wheels/"
podman build -q --format docker "${ENGINE_ARGS[@]}" -f "$APP/deploy/Dockerfile" \
    --ignorefile "$APP/deploy/Dockerfile.dockerignore" \
    --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg BUILD_PACKAGES= \
    --build-arg PIP_INSTALL_ARGS=--no-index -t localhost/decant:latest "$APP" >> "$LOG" 2>&1 \
    || { grep -v "WARNING: Location" "$LOG" | tail -n 30; exit 1; }
for service in postgres redis nginx; do
    podman build -q --format docker "${ENGINE_ARGS[@]}" --build-arg BASE_IMAGE="$BASE_IMAGE" \
        -t "localhost/decant-drill-$service:latest" "$APP/deploy/drill/$service" >> "$LOG" 2>&1 \
        || { grep -v "WARNING: Location" "$LOG" | tail -n 30; exit 1; }
done

step "configuration (.env from .env.example, network)"
HTTPS_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
SUBNET="$(compose_value 'd["networks"]["default"]["ipam"]["config"][0]["subnet"]')"
IP_RANGE="$(compose_value 'd["networks"]["default"]["ipam"]["config"][0]["ip_range"]')"
GATEWAY="$(compose_value 'd["networks"]["default"]["ipam"]["config"][0]["gateway"]')"
NGINX_IP="$(compose_value 'd["x-nginx-address"]')"
APP_IP="$(compose_value 'd["x-app-address"]')"
# podman-compose 1.0.3 ignores the network's ipam and the service's ipv4_address
# (docker compose honours both): the drill creates the network as declared and gives
# Nginx and the app their fixed addresses itself
podman network create --label "io.podman.compose.project=$PROJECT" --subnet "$SUBNET" \
    --ip-range "$IP_RANGE" --gateway "$GATEWAY" "${PROJECT}_default" >/dev/null
# ...and stops at a service's `networks:` written as a mapping (`default: {ipv4_address}`):
# in the drill's copy only, that entry becomes the list form podman-compose reads
/usr/bin/python3 - "$APP/deploy/docker-compose.yml" <<'PYEOF'
import sys, yaml
path = sys.argv[1]
spec = yaml.safe_load(open(path))
for service in spec["services"].values():
    if isinstance(service.get("networks"), dict):
        service["networks"] = list(service["networks"])
yaml.safe_dump(spec, open(path, "w"), sort_keys=False)
PYEOF
STRIPE_PORT="$(free_port)"
secret() { python3 -c "import secrets; print(secrets.token_urlsafe($1))"; }
POSTGRES_PASSWORD="$(secret 24)"
WEBHOOK_SECRET="whsec_$(secret 24)"
ADMIN_PASSWORD="$(secret 18)"
sed -e "s|^DECANT_SECRET_KEY=.*|DECANT_SECRET_KEY=$(secret 48)|" \
    -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$POSTGRES_PASSWORD|" \
    -e "s|^DATABASE_URL=.*|DATABASE_URL=postgresql://decant:$POSTGRES_PASSWORD@postgres:5432/decant|" \
    -e "s|^DECANT_BASE_URL=.*|DECANT_BASE_URL=https://$DOMAIN:$HTTPS_PORT|" \
    -e "s|^STRIPE_SECRET_KEY=.*|STRIPE_SECRET_KEY=sk_test_drill|" \
    -e "s|^STRIPE_PUBLISHABLE_KEY=.*|STRIPE_PUBLISHABLE_KEY=pk_test_drill|" \
    -e "s|^STRIPE_WEBHOOK_SECRET=.*|STRIPE_WEBHOOK_SECRET=$WEBHOOK_SECRET|" \
    -e "s|^STRIPE_API_BASE=.*|STRIPE_API_BASE=http://$GATEWAY:$STRIPE_PORT|" \
    "$APP/.env.example" > "$APP/.env"
chmod 600 "$APP/.env"
cat >> "$APP/.env" <<EOF
# the drill publishes Nginx on loopback only, on free ports
DECANT_HTTP_PUBLISH=127.0.0.1:$HTTP_PORT
DECANT_HTTPS_PUBLISH=127.0.0.1:$HTTPS_PORT
EOF
ln -s ../.env "$APP/deploy/.env"  # compose reads ${...} from the compose file's folder

step "self-signed certificate in place of certbot's"
live="$WORK/letsencrypt/live/$DOMAIN"
mkdir -p "$live"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN" -keyout "$live/privkey.pem" \
    -out "$live/fullchain.pem" 2>/dev/null
cp "$live/fullchain.pem" "$live/chain.pem"
cp "$live/fullchain.pem" "$live/cert.pem"
podman volume create --label "io.podman.compose.project=$PROJECT" "${PROJECT}_letsencrypt" >/dev/null
tar -C "$WORK/letsencrypt" -c live | podman volume import "${PROJECT}_letsencrypt" -

step "PostgreSQL and Redis up (and the fake Stripe)"
compose up -d --no-build postgres redis
wait_healthy postgres 120
wait_healthy redis 60
# the fake Stripe listens on the network's gateway, which exists once a container runs
python3 "$APP/deploy/drill/fake_stripe.py" "$GATEWAY" "$STRIPE_PORT" 2>> "$WORK/fake-stripe.log" &
FAKE_STRIPE_PID=$!
python3 - "$GATEWAY" "$STRIPE_PORT" <<'PYEOF' || { cat "$WORK/fake-stripe.log"; exit 1; }
import socket, sys, time
deadline = time.monotonic() + 20
while True:
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("fake Stripe not listening")
        time.sleep(0.2)
PYEOF

step "app up (migrations and the site build at its start)"
compose --podman-run-args="--ip=$APP_IP" up -d --no-build --no-deps app
wait_healthy app 300
in_app decant migrate

step "owner account and catalog"
podman exec -e DECANT_ADMIN_PASSWORD="$ADMIN_PASSWORD" "$(container app)" \
    decant admin create-user "$OWNER" --role owner
[ "$(psql_decant "SELECT count(*) FROM admin_users WHERE email = '$OWNER'")" = "1" ]
in_app decant demo-data
in_app decant build

step "worker and Nginx up"
compose up -d --no-build --no-deps worker
compose --podman-run-args="--ip=$NGINX_IP" up -d --no-build --no-deps nginx
wait_healthy worker 120
wait_healthy nginx 60

step "the shop over HTTPS"
export SHOP_HOST="$DOMAIN" SHOP_PORT="$HTTPS_PORT" SHOP_CA="$live/fullchain.pem" \
    STRIPE_WEBHOOK_SECRET="$WEBHOOK_SECRET"
shopper() { python3 "$APP/deploy/drill/shopper.py" "$@"; }
deadline=$(($(date +%s) + 60))
until [ "$(shopper get / 2>/dev/null | head -n1)" = "200" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { shopper get / | head -n 5; exit 1; }
    sleep 1
done
[ "$(shopper get /api/health | head -n1)" = "200" ]
say "shop serving HTTPS after $(($(date +%s) - STARTED))s from nothing (https://$DOMAIN:$HTTPS_PORT, certificate verified)"

step "purchase (fake Stripe, signed webhook)"
bought="$(shopper buy "$EMAIL" "$SPOOFED")"
ORDER="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["order_number"])' "$bought")"
REQUEST_ID="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["request_id"])' "$bought")"
[ "$(psql_decant "SELECT payment_status FROM orders WHERE order_number = '$ORDER'")" = "paid" ]
say "order $ORDER paid"

step "client address"
# Nginx buffers its access log (flush=1s): wait for the request's line to be written.
nginx_line=""
for _ in $(seq 1 30); do
    nginx_line="$(podman exec "$(container nginx)" grep -h "\"request_id\":\"$REQUEST_ID\"" /var/log/nginx/decant-access.json || true)"
    [ -n "$nginx_line" ] && break
    sleep 0.5
done
nginx_saw="$(printf '%s\n' "$nginx_line" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["remote_addr"])')"
app_saw="$(podman logs "$(container app)" 2>&1 | grep -F "\"request_id\": \"$REQUEST_ID\"" \
    | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["client"])')"
say "Nginx saw $nginx_saw, the app recorded $app_saw, the client claimed $SPOOFED"
if [ "$app_saw" != "$nginx_saw" ] || [ "$app_saw" = "$SPOOFED" ] || [ "$app_saw" = "$NGINX_IP" ]; then
    say "client address wrong: the app must record the address Nginx saw"
    exit 1
fi
say "client address real: $app_saw (spoofed X-Forwarded-For $SPOOFED ignored)"

step "backup (decant backup)"
tables="$(psql_decant "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")"
checksums() {
    local table
    for table in $tables; do
        echo "$table $(psql_decant "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '-') FROM public.\"$table\" t")"
    done
}
# the worker paused: it sends e-mails and expires orders, and the sums must describe
# exactly what the dump holds (nothing else writes while no one shops)
podman stop -t 20 "$(container worker)" >/dev/null
checksums > "$WORK/before.txt"
in_app decant backup
BACKUP="$(in_app sh -c 'ls -t /var/lib/decant/backups/*.tar | head -n1')"
say "backup $BACKUP, $(wc -l < "$WORK/before.txt") tables summed"

step "database volume destroyed"
podman stop -t 20 "$(container worker)" "$(container app)" >/dev/null
podman rm -f "$(container postgres)" >/dev/null
podman volume rm "${PROJECT}_postgres-data" >/dev/null
compose up -d --no-build --no-deps postgres
wait_healthy postgres 120
[ "$(psql_decant "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = "0" ]
say "new empty database"

step "restore (decant restore)"
# as in "recover a lost machine": a one-off app container on the empty database
(cd "$APP/deploy" && podman-compose -p "$PROJECT" -f docker-compose.yml -f compose.drill.yml \
    run --rm --no-deps app decant restore "$BACKUP") > "$WORK/restore.log" 2>&1 || true
# podman-compose 1.0.3 answers 0 whatever the command did: the database tells
grep -E "^(restored|refusing|Error)|restore" "$WORK/restore.log" | grep -v "^podman\|^\['podman" || true
if [ "$(psql_decant "SELECT count(*) FROM orders WHERE order_number = '$ORDER'")" != "1" ]; then
    tail -n 20 "$WORK/restore.log"
    say "the restore did not bring order $ORDER back"
    exit 1
fi
# compared before the app starts again: its start records a build of its own
checksums > "$WORK/after.txt"
diff "$WORK/before.txt" "$WORK/after.txt" || { say "tables differ after the restore"; exit 1; }

step "app and worker back, the order over HTTPS"
podman start "$(container app)" >/dev/null
wait_healthy app 300
podman start "$(container worker)" >/dev/null
wait_healthy worker 120
tracked="$(shopper get "/api/orders/track?email=$EMAIL&number=$ORDER")"
[ "$(head -n1 <<< "$tracked")" = "200" ] && grep -q '"payment_status": *"paid"' <<< "$tracked" \
    || { say "order $ORDER not tracked as paid after the restore: $tracked"; exit 1; }
say "order $ORDER restored: checksums equal ($(wc -l < "$WORK/after.txt") tables)"

end_step
say "OK"
