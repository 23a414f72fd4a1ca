#!/usr/bin/env bash
# Installs the Debian packages that the tests (`tests`) or the benchmarks (`bench`) start,
# when they are missing and this is a root shell with apt-get; otherwise names them.
#   scripts/system-packages.sh tests|bench
set -euo pipefail

case "${1:-}" in
  # curl drives the README walkthrough; g++, make and python3 build better-sqlite3; the
  # store tests start real PostgreSQL, redis-server and a Redis Cluster; the web wizard's
  # tests drive Debian's Chromium; the scale tests put nginx in front of several instances.
  tests) tools="curl:curl g++:g++ make:make python3:python3 redis-server:redis-server redis-cli:redis-tools chromium:chromium nginx:nginx" ;;
  # The HTTP benchmark starts PostgreSQL and redis-server beside Waymark.
  bench) tools="redis-server:redis-server" ;;
  *) echo "usage: $0 tests|bench" >&2; exit 2 ;;
esac

missing=()
for tool in $tools; do
  # nginx lives in /usr/sbin, which a user's PATH may leave out.
  command -v "${tool%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${tool%%:*}" ] || missing+=("${tool##*:}")
done
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  echo "missing Debian packages: ${missing[*]} (install them as root: apt-get install -y ${missing[*]})" >&2
  exit 1
fi
