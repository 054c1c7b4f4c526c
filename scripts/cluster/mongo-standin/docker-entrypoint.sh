#!/bin/bash
# The stand-in mongo image's entrypoint: upstream's contract (docker-library/mongo
# 4.2 docker-entrypoint.sh) for what the program uses, on FerretDB:
# - `mongod [options]`: a first start on an empty /data/db with
#   MONGO_INITDB_ROOT_USERNAME/PASSWORD creates that root user, sources every
#   /docker-entrypoint-initdb.d/*.sh (runs *.js with the shell) against a
#   server on 127.0.0.1 only, stops it, then starts the real server with
#   authentication; later starts skip the init;
# - MONGO_INITDB_* variables are unset before the server starts;
# - any other command runs as given.
# mongod options: --bind_ip_all, --bind_ip, --port, --auth; --noscripting and
# --wiredTigerCacheSizeGB are accepted and have no FerretDB equivalent. Any
# other option is refused, so that a program change the stand-in cannot honour
# shows up as a failing pod rather than as a silent difference.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then set -- mongod "$@"; fi
if [ "${1:-}" != mongod ]; then exec "$@"; fi
shift
bind=127.0.0.1 port=27017
while [ $# -gt 0 ]; do
  case "$1" in
    --bind_ip_all) bind=0.0.0.0 ;;
    --bind_ip) bind=${2%%,*}; shift ;;
    --port) port=$2; shift ;;
    --auth | --noscripting) ;;
    --wiredTigerCacheSizeGB) shift ;;
    *) echo "stand-in mongod: option $1 is not supported by this stand-in" >&2; exit 64 ;;
  esac
  shift
done

data=/data/db
marker=$data/.standin-initialized
ferretdb() { # ADDRESS [extra flags…] (exec: started with &, its pid is the server's)
  local address=$1
  shift
  exec /usr/local/bin/ferretdb --handler=sqlite --sqlite-url="file:$data/" --state-dir="$data" \
    --listen-addr="$address" --debug-addr=- --telemetry=disable --test-enable-new-auth "$@"
}

if [ -n "${MONGO_INITDB_ROOT_USERNAME:-}" ] && [ -n "${MONGO_INITDB_ROOT_PASSWORD:-}" ] && [ ! -e "$marker" ]; then
  ferretdb 127.0.0.1:27017 --log-level=warn --setup-database=admin --setup-username="$MONGO_INITDB_ROOT_USERNAME" \
    --setup-password="$MONGO_INITDB_ROOT_PASSWORD" &
  pid=$!
  for _ in $(seq 1 30); do
    mongo --host 127.0.0.1 --port 27017 --quiet admin --eval "db.adminCommand('ping')" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "stand-in mongod: FerretDB did not stay running" >&2; exit 1; }
    sleep 1
  done
  export MONGO_INITDB_DATABASE="${MONGO_INITDB_DATABASE:-test}"
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "$0: running $f"; . "$f" ;;
      *.js) echo "$0: running $f"; mongo --host 127.0.0.1 --port 27017 --quiet "$MONGO_INITDB_DATABASE" < "$f" ;;
      *) echo "$0: ignoring $f" ;;
    esac
  done
  kill -TERM "$pid"
  wait "$pid" || true
  touch "$marker"
  echo 'MongoDB init process complete; ready for start up.'
fi

unset "${!MONGO_INITDB_@}"
ferretdb "$bind:$port" --log-level=info
