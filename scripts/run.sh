#!/usr/bin/env bash
# Install Decant into .venv, load the demo catalog, build the site and serve it at
# http://127.0.0.1:8000/ (embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
  echo "installing python3-venv (Debian)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-venv
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
# Without a Stripe key the shop takes no money: say so, and turn on the marked demo
# payment provider (it is off by default and refused in production).
if [ -z "${STRIPE_SECRET_KEY:-}" ] && ! grep -qs '^STRIPE_SECRET_KEY=..*' .env; then
  echo "no STRIPE_SECRET_KEY: running with demo payments (DECANT_DEMO_PAYMENTS=1), no money is taken"
  export DECANT_DEMO_PAYMENTS=1
fi
.venv/bin/decant migrate
.venv/bin/decant demo-data
.venv/bin/decant build
exec .venv/bin/decant serve "$@"
