#!/bin/bash
# Follow the Dockerfile and docs/operations.md sections 2-5 on a machine without Docker:
# the image's files from git HEAD, a non-editable install, `flask db upgrade`, gunicorn,
# a tracking worker, nginx with TLS in front (TRUSTED_PROXIES=1), `flask doctor`.
#
#   bash docs/deploy/rehearse.sh     (needs PostgreSQL and Redis on 127.0.0.1, nginx, openssl, curl)
#
# REHEARSE_DATABASE (default: a database "rehearse" on the local server, dropped and made
# again) and REHEARSE_REDIS (default redis://127.0.0.1:6379/13, emptied at the end).
set -euo pipefail
REPO=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
R=${REHEARSE_DIR:-/tmp/imprint-rehearse}
DB_NAME=rehearse
export DATABASE_URL=${REHEARSE_DATABASE:-postgresql://postgres@127.0.0.1:5432/$DB_NAME}
export REDIS_URL=${REHEARSE_REDIS:-redis://127.0.0.1:6379/13}
rm -rf "$R" && mkdir -p "$R/srv" "$R/nginx"

echo "== the image: the Dockerfile's COPY lines, then its pip install"
git -C "$REPO" archive HEAD pyproject.toml README.md app migrations wsgi.py gunicorn.conf.py | tar -x -C "$R/srv"
python3 -m venv "$R/venv"
"$R/venv/bin/pip" install -q --no-cache-dir "$R/srv[postgres,server,s3]" 2>&1 | { grep -v "^WARNING: Location" || true; }
if [ -z "${REHEARSE_DATABASE:-}" ]; then
  psql -U postgres -h 127.0.0.1 -qc "drop database if exists $DB_NAME" -c "create database $DB_NAME"
fi

echo "== section 4: configure, migrate, an admin and a key"
cd "$R/srv" && mkdir -p instance
export PYTHONDONTWRITEBYTECODE=1 FLASK_APP=wsgi IMPRINT_ENV=production TRUSTED_PROXIES=1
export SECRET_KEY=$(python3 -c "import secrets; print(secrets.token_hex(32))") STORAGE_ROOT=$R/srv/instance/storage
export PATH=$R/venv/bin:$PATH
flask db upgrade 2>&1 | { grep -v "INFO" || true; }
flask users create rehearsal-admin --admin >/dev/null
KEY=$(flask keys create --user rehearsal-admin --admin | grep -o 'imp_[A-Za-z0-9_-]\{20,\}' | head -1)

echo "== section 5: nginx with TLS in front (port 8443 for 443)"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$R/nginx/key.pem" -out "$R/nginx/cert.pem" -days 1 \
  -subj /CN=images.example.com 2>/dev/null
cat > "$R/nginx/nginx.conf" <<CONF
pid $R/nginx/nginx.pid;
error_log $R/nginx/error.log;
events {}
http {
    access_log $R/nginx/access.log;
    server {
        listen 127.0.0.1:8443 ssl;
        ssl_certificate $R/nginx/cert.pem;
        ssl_certificate_key $R/nginx/key.pem;
        server_name images.example.com;
        client_max_body_size 16m;          # keep ≥ MAX_CONTENT_LENGTH
        location / {
            proxy_pass http://127.0.0.1:8000;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
    }
}
CONF
nginx -c "$R/nginx/nginx.conf"
gunicorn -c gunicorn.conf.py wsgi:app > "$R/web.log" 2>&1 &   # the image's CMD, on gunicorn.conf.py's bind
WEB=$!
flask tracking worker > "$R/worker.log" 2>&1 &
WORKER=$!
trap 'kill -TERM $WEB $WORKER 2>/dev/null || true; nginx -c "$R/nginx/nginx.conf" -s quit 2>/dev/null || true' EXIT
BASE=https://127.0.0.1:8443
for _ in $(seq 120); do curl -fsk "$BASE/healthz" >/dev/null && break; sleep 0.5; done

echo "== requests through nginx"
get() { printf '%-34s %s\n' "$1" "$(curl -sk -o /dev/null -w '%{http_code} %{content_type} %{size_download}B' "${@:2}" "$BASE$1")"; }
get /healthz
get /og/hello.png --interface 127.0.0.5 -H "X-Forwarded-For: 203.0.113.66"   # a forged hop
get "/og?seed=x&format=svg"
get /docs
get /openapi.json
get /history/images -H "Authorization: Bearer $KEY"
get /ai/generate -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
  -d '{"prompt":"a lighthouse","size":"256x256"}'
get /dashboard/login
for asset in $(curl -sk "$BASE/dashboard/login" | grep -o '/dashboard/static/[^"?]*' | sort -u); do get "$asset"; done
printf '%-34s %s\n' "a 20 MB body (nginx's limit)" \
  "$(head -c 20000000 /dev/zero | curl -sk -o /dev/null -w '%{http_code}' --data-binary @- "$BASE/ai/generate")"
sleep 2

echo "== flask doctor"
flask doctor 2>&1 | { grep -v "INFO" || true; }
kill -TERM $WEB $WORKER && wait $WEB $WORKER || true
echo "== the ledger"
echo "og_generations (seed | address): $(psql "${DATABASE_URL/+psycopg/}" -Atc "select seed, ip_address from og_generations order by created_at" | tr '\n' ' ')"
echo "   (hello must be 127.0.0.5, the client nginx saw, not the forged 203.0.113.66)"
echo "generation_logs: $(psql "${DATABASE_URL/+psycopg/}" -Atc "select count(*) from generation_logs")"
python3 -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_URL" 2>/dev/null || \
  "$R/venv/bin/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_URL"
