# A throwaway PostgreSQL cluster for the tests, sourced by scripts/test and scripts/with-postgres.
# pg_start installs PostgreSQL from Debian's packages when it is missing, starts a cluster on
# 127.0.0.1 on a free port (password authentication over TCP, a random password) and exports
# KAIROS_TEST_POSTGRES_URL, and KAIROS_TEST_POSTGRES_CTL (scripts/postgres-throwaway, with which
# the database-restart tests start a cluster of their own and stop and start it); pg_stop stops it
# and removes its directory. Every failure is loud.

pg_die() { printf 'postgres-cluster: %s\n' "$*" >&2; exit 1; }

pg_start() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "installing postgresql"
        command -v apt-get >/dev/null || pg_die "PostgreSQL is not installed and apt-get is not available; install PostgreSQL 15 or later"
        if [ -z "${KAIROS_APT_UPDATED:-}" ]; then
            apt-get update -qq || pg_die "apt-get update failed"
            export KAIROS_APT_UPDATED=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || pg_die "apt-get install postgresql failed"
    fi
    KAIROS_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    [ -x "$KAIROS_PG_BIN/pg_ctl" ] || pg_die "no pg_ctl in $KAIROS_PG_BIN"
    id postgres >/dev/null 2>&1 || pg_die "the postgres user does not exist (the postgresql package creates it)"
    KAIROS_PG_DATA=$(mktemp -d)
    chown postgres:postgres "$KAIROS_PG_DATA"
    local password password_file port=""
    password="kairos-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    password_file="$KAIROS_PG_DATA/pwfile"
    printf '%s\n' "$password" >"$password_file"
    chown postgres:postgres "$password_file"
    # PostgreSQL refuses to run as root, hence runuser; the socket stays in the data directory.
    runuser -u postgres -- "$KAIROS_PG_BIN/initdb" -D "$KAIROS_PG_DATA/data" -U postgres -E UTF8 --no-sync \
        --auth-local=trust --auth-host=scram-sha-256 --pwfile="$password_file" >"$KAIROS_PG_DATA/initdb.log" 2>&1 \
        || { cat "$KAIROS_PG_DATA/initdb.log" >&2; pg_die "initdb failed"; }
    rm -f "$password_file"
    # A port below the kernel's ephemeral range (32768-60999 here), which outgoing connections
    # and servers on port 0 draw from: one of those could take the port between the probe and
    # the start, and a restarted server must find its port free again. Another cluster can
    # still win the race: then the start is tried again on another port.
    local candidate attempt
    for attempt in 1 2 3 4 5; do
        port=""
        for _ in $(seq 1 50); do
            candidate=$((20000 + RANDOM % 12000))
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
        done
        [ -n "$port" ] || pg_die "found no free port on 127.0.0.1"
        # The server's options, kept for pg_server_start after a stop (scripts/postgres-throwaway).
        printf '%s\n' "-c listen_addresses=127.0.0.1 -p $port -k $KAIROS_PG_DATA -c fsync=off -c max_connections=200" >"$KAIROS_PG_DATA/options"
        pg_server_start "$KAIROS_PG_DATA" 2>"$KAIROS_PG_DATA/start.err" && break
        grep -q "Address already in use" "$KAIROS_PG_DATA/start.err" && [ "$attempt" -lt 5 ] || { cat "$KAIROS_PG_DATA/start.err" >&2; pg_die "PostgreSQL did not start"; }
        rm -f "$KAIROS_PG_DATA/server.log"
    done
    export KAIROS_TEST_POSTGRES_URL="postgres://postgres:$password@127.0.0.1:$port/postgres"
    KAIROS_TEST_POSTGRES_CTL="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/postgres-throwaway"
    export KAIROS_TEST_POSTGRES_CTL
    echo "PostgreSQL $("$KAIROS_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data $KAIROS_PG_DATA)"
}

# Starts the server of the cluster in directory $1 (made by pg_start) with its saved options.
pg_server_start() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    runuser -u postgres -- "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 30 -o "$(cat "$1/options")" start >/dev/null \
        || { cat "$1/server.log" >&2; return 1; }
}

# Stops the server of the cluster in directory $1: fast (clients disconnected, a clean shutdown).
pg_server_stop() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    runuser -u postgres -- "$bin/pg_ctl" -D "$1/data" -m fast -w -t 30 stop >/dev/null
}

pg_stop() {
    [ -n "${KAIROS_PG_DATA:-}" ] || return 0
    runuser -u postgres -- "$KAIROS_PG_BIN/pg_ctl" -D "$KAIROS_PG_DATA/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$KAIROS_PG_DATA"
    KAIROS_PG_DATA=""
}
