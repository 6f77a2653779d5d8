#!/usr/bin/env bash
# Installs what the test suite, benchmarks and audit use, when it is missing:
# Debian packages (Chromium, Java, PostgreSQL, nginx, wrk, Postfix, Prometheus and promtool;
# podman, runc, mmdebstrap and docker-compose for the container test) and npm packages from
# the locks under tools/ (vnu-jar; lighthouse for `make audit`) into .tools/. Idempotent and
# quiet.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v node >/dev/null || need+=(nodejs npm)
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v promtool >/dev/null || need+=(prometheus)
[ -x "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/initdb" ] || need+=(postgresql)
command -v openssl >/dev/null || need+=(openssl)
command -v postfix >/dev/null || need+=(postfix)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v docker-compose >/dev/null || need+=(docker-compose)

if [ ${#need[@]} -gt 0 ]; then
  echo "ensure-tools: installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix is only run by the tests, as a private instance: no system-wide mail set-up.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# What podman needs on these machines (measured): vfs storage, runc under cgroupfs, and
# ulimits it is allowed to set. Written before podman first runs; never over one's own.
if [ ! -f /etc/containers/storage.conf ]; then
  mkdir -p /etc/containers
  printf '%s\n' '# Written by scripts/ensure-tools.sh (Glissando).' '[storage]' 'driver = "vfs"' \
    'runroot = "/run/containers/storage"' 'graphroot = "/var/lib/containers/storage"' \
    >/etc/containers/storage.conf
fi
if [ ! -f /etc/containers/containers.conf ]; then
  printf '%s\n' '# Written by scripts/ensure-tools.sh (Glissando).' '[containers]' \
    'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]' '' '[engine]' \
    'runtime = "runc"' 'cgroup_manager = "cgroupfs"' >/etc/containers/containers.conf
fi

# npm tools, each from its lock under tools/ into .tools/<name>/ with `npm ci`, which installs
# exactly the locked versions and refuses a tarball whose sha512 is not the lock's
# `integrity`. Reinstalled when the lock changed since the last install. No install
# scripts: vnu.jar is inside its package, and vnu-jar's postinstall would download a Java
# runtime (unchecked) where Debian's is missing.
npm_tool() {
  local lock="tools/$1/package-lock.json" here=".tools/$1"
  if [ -f "$here/$2" ] && cmp -s "$lock" "$here/installed-lock.json"; then
    return
  fi
  echo "ensure-tools: installing $1 from $lock (npm ci)"
  rm -rf "$here"
  mkdir -p "$here"
  cp "tools/$1/package.json" "$lock" "$here/"
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --silent >/dev/null)
  cp "$lock" "$here/installed-lock.json"  # only once npm ci succeeded
}
npm_tool vnu node_modules/vnu-jar/build/dist/vnu.jar
if [ "${WITH_LIGHTHOUSE:-0}" = 1 ]; then
  npm_tool lighthouse node_modules/.bin/lighthouse
fi
