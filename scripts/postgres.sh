#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for tests.
#
#   scripts/postgres.sh          install (Debian's postgresql) if missing, start a cluster
#                                on a free port, print its URL on stdout (the only stdout)
#   scripts/postgres.sh stop     stop that cluster and delete its files
#
# The URL is SQLAlchemy style, with a role that may create databases (tests make one
# each): postgresql+psycopg://briefbot:<random>@127.0.0.1:PORT/briefbot
# Typical use:  export BRIEFBOT_TEST_POSTGRES_URL=$(scripts/postgres.sh)
# Running it again while the cluster runs prints the same URL. Runs the server as the
# `postgres` user when started as root (PostgreSQL refuses to run as root).
# BRIEFBOT_PG_DIR (default /tmp/briefbot-pg) holds data, socket, log and the URL.
set -euo pipefail

DIR=${BRIEFBOT_PG_DIR:-/tmp/briefbot-pg}
DATA=$DIR/data
ROLE=briefbot
# Random per cluster: a password that is also a common word ("briefbot") would be
# redacted from every log line that mentions the word.
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(12))')

say() { echo "[postgres.sh] $*" >&2; }

as_owner() {
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [[ -z $bin || ! -x $bin/initdb ]]; then
        [[ $(id -u) == 0 ]] || { say "PostgreSQL is not installed and I am not root to install it"; exit 1; }
        say "installing Debian's postgresql"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    echo "$bin"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

running() { [[ -f $DIR/url ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

stop() {
    if [[ -d $DATA ]]; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 2>/dev/null || true
    fi
    rm -rf "$DIR"
    say "stopped and removed $DIR"
}

start() {
    if running; then cat "$DIR/url"; return; fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    [[ $(id -u) == 0 ]] && chown postgres:postgres "$DIR"
    local port pwfile
    port=$(free_port)
    pwfile=$DIR/pw
    echo "$PASSWORD" >"$pwfile"
    [[ $(id -u) == 0 ]] && chown postgres "$pwfile"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    # Throwaway: no fsync; small; only loopback; the socket in our own directory.
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 \
        -o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=32MB" \
        start >&2 || { cat "$DIR/server.log" >&2; exit 1; }
    as_owner "$BIN/psql" -h "$DIR" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
        -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" \
        -c "CREATE DATABASE $ROLE OWNER $ROLE" >&2
    echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$port/$ROLE" >"$DIR/url"
    chmod 644 "$DIR/url"
    say "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data $DATA)"
    cat "$DIR/url"
}

BIN=$(pg_bin)
case ${1:-start} in
    start) start ;;
    stop) stop ;;
    url) running && cat "$DIR/url" ;;
    *) say "usage: $0 [start|stop|url]"; exit 2 ;;
esac
