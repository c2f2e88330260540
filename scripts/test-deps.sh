#!/bin/sh
# Install the system packages the tests use: Redis, PostgreSQL, Chromium and a
# Japanese font. As root, missing ones are installed from Debian's packages;
# otherwise we only say what is missing (those tests then skip, except in CI).
set -eu
need=""
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
[ -x /usr/bin/chromium ] || need="$need chromium"
[ -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || need="$need fonts-ipafont-gothic"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing:$need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $need >/dev/null
else
  echo "not root: missing$need — the tests that need them are skipped" >&2
fi
