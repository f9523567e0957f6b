#!/usr/bin/env bash
# Set up (virtual environment + install) and run the console on the embedded SQLite
# database with today's demo day.  Usage: bash scripts/demo.sh [--port 8000]
#
# Unless MOVEMENTS_NOTIFY_SMS_URL / MOVEMENTS_NOTIFY_EMAIL_URL are set, it also starts a
# real SMTP server and a small SMS gateway on loopback (movements.notify.loopback) and
# points the outbox at them; what they receive is appended to $DATA/outbox/*.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export MOVEMENTS_SECURE_COOKIES=${MOVEMENTS_SECURE_COOKIES:-false}  # plain http on a laptop
# the demo's partner receivers listen on 127.0.0.1 over http; never set this in production
export MOVEMENTS_WEBHOOK_ALLOW_PRIVATE=${MOVEMENTS_WEBHOOK_ALLOW_PRIVATE:-true}
DATA=${MOVEMENTS_DATA_DIR:-data}
RECEIVERS=""
if [ -z "${MOVEMENTS_NOTIFY_SMS_URL:-}${MOVEMENTS_NOTIFY_EMAIL_URL:-}" ]; then
  SMTP_PORT=${DEMO_SMTP_PORT:-8025}
  SMS_PORT=${DEMO_SMS_PORT:-8026}
  # The gateway posts signed delivery receipts back to the console (/outbox/receipts).
  PORT=8000
  ARGS=("$@")
  for i in "${!ARGS[@]}"; do
    if [ "${ARGS[$i]}" = "--port" ]; then PORT=${ARGS[$((i + 1))]}; fi
  done
  MOVEMENTS_NOTIFY_RECEIPT_SECRET=${MOVEMENTS_NOTIFY_RECEIPT_SECRET:-whsec_$(.venv/bin/python -c \
    'import base64, secrets; print(base64.b64encode(secrets.token_bytes(24)).decode())')}
  export MOVEMENTS_NOTIFY_RECEIPT_SECRET
  .venv/bin/python -m movements.notify.loopback --smtp-port "$SMTP_PORT" \
    --sms-port "$SMS_PORT" --log "$DATA/outbox" \
    --receipt-url "http://127.0.0.1:$PORT/outbox/receipts" \
    --receipt-secret "$MOVEMENTS_NOTIFY_RECEIPT_SECRET" &
  RECEIVERS=$!
  trap '[ -n "$RECEIVERS" ] && kill "$RECEIVERS" 2>/dev/null || true' EXIT
  export MOVEMENTS_NOTIFY_SMS_URL="json://127.0.0.1:$SMS_PORT/sms?:to={to}"
  export MOVEMENTS_NOTIFY_EMAIL_URL="mailto://127.0.0.1:$SMTP_PORT?from=ops@movements.example&to={to}&mode=insecure"
  echo "outbox: SMS and e-mail go to loopback receivers; see $DATA/outbox/sms.jsonl and $DATA/outbox/mail.jsonl"
fi
.venv/bin/movements --data-dir "$DATA" serve --demo "$@"
