#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the store's PostgreSQL tests and
# prints the DSN they read (CXR_TEST_POSTGRES) on stdout. Usage:
#
#   eval "$(.ci/postgres.sh start DIR)"   # exports CXR_TEST_POSTGRES
#   .ci/postgres.sh stop DIR
#
# The cluster lives under DIR (made if missing), listens on a Unix socket
# in DIR and on a free port of 127.0.0.1 only (the DSN uses the port, so
# that sslmode means something: PostgreSQL ignores TLS on Unix sockets),
# trusts local connections, and runs as a
# non-root user: PostgreSQL refuses to run as root, so when this script
# runs as root it uses the "postgres" user of Debian's package (or
# "nobody") through runuser. Needs Debian's postgresql package (initdb,
# pg_ctl under /usr/lib/postgresql/*/bin).
set -euo pipefail

cmd=${1:?usage: postgres.sh start|stop DIR}
dir=${2:?usage: postgres.sh start|stop DIR}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi

run_as() {
  if [ "$(id -u)" -eq 0 ]; then
    local user=postgres
    id "$user" >/dev/null 2>&1 || user=nobody
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    user=postgres
    id "$user" >/dev/null 2>&1 || user=nobody
    chown "$user" "$dir"
  fi
  chmod 0700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    run_as "$bin/initdb" -D "$dir/data" -U cxr --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  # Loopback only; fsync stays on: the tests check durability. A port
  # taken by something else makes pg_ctl fail: try another.
  for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 30000))
    if run_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir' -c max_connections=200" start >/dev/null; then
      echo "$port" >"$dir/port"
      break
    fi
    if [ "$try" -eq 8 ]; then
      cat "$dir/server.log" >&2
      exit 1
    fi
  done
  echo "export CXR_TEST_POSTGRES='postgres://cxr@127.0.0.1:$port/postgres?sslmode=disable'"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    run_as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  ;;
*)
  echo "usage: postgres.sh start|stop DIR" >&2
  exit 2
  ;;
esac
