#!/usr/bin/env bash
# The fresh-machine check: a clean Debian 12 root (debootstrap) with only git, make, python3 and
# ca-certificates, a fresh clone of the repository in /srv/triage (FRESH_CLONE; a folder other users can
# read, which the hub tests need: under /root, make test stops at once and says so), and `make test` run
# there as root, as a new user would. Run as root on a Debian machine (apt-get install debootstrap):
#
#   tools/fresh-machine-check.sh [BRANCH] [-- MAKE ARGUMENTS]     (default: the current branch; `make test`)
#
# FRESH_BASE (default /var/tmp/triage-fresh) keeps a pristine root made once; every run copies it to
# $FRESH_BASE/run, so no package installed by an earlier run is left. The run's log and wall time go to
# $FRESH_BASE/run.log. The root shares this machine's network (tests use free loopback ports).
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run as root (debootstrap and chroot need it)" >&2; exit 2; }
repo=$(git -C "$(dirname "$0")/.." rev-parse --path-format=absolute --git-common-dir)
branch=${1:-$(git -C "$(dirname "$0")/.." rev-parse --abbrev-ref HEAD)}
shift || true
[ "${1:-}" = "--" ] && shift
make_args=("${@:-test}")
base=${FRESH_BASE:-/var/tmp/triage-fresh}
pristine=$base/debian12
root=$base/run
log=$base/run.log
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
clone=${FRESH_CLONE:-/srv/triage}

mkdir -p "$base"
if [ ! -x "$pristine/usr/bin/python3" ]; then
  command -v debootstrap >/dev/null || { echo "apt-get install debootstrap first" >&2; exit 2; }
  debootstrap --include=git,make,python3,ca-certificates bookworm "$pristine.tmp" "$mirror"
  mv "$pristine.tmp" "$pristine"
fi

mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
rm -rf "$root"
cp -a "$pristine" "$root"
# a Debian 12 machine's usual sources (security updates carry the current Chromium)
cat > "$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
cp /etc/resolv.conf "$root/etc/resolv.conf"
# this machine's own TLS trust (a local certificate authority, where the network has one) is part of the
# machine, not of the project: carry it into the root, and point pip, npm and git at the system bundle
trust=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
  bundle=/etc/ssl/certs/ca-certificates.crt
  trust=(SSL_CERT_FILE=$bundle REQUESTS_CA_BUNDLE=$bundle PIP_CERT=$bundle NODE_EXTRA_CA_CERTS=$bundle)
fi
mount -t proc proc "$root/proc"; mounts+=("$root/proc")
mount -t sysfs sysfs "$root/sys"; mounts+=("$root/sys")
mount --rbind /dev "$root/dev"; mount --make-rslave "$root/dev"; mounts+=("$root/dev")
mkdir -p "$root/mnt/source"
mount --bind -o ro "$repo" "$root/mnt/source"; mounts+=("$root/mnt/source")

echo "fresh-machine check: $branch, make ${make_args[*]}; log in $log"
start=$(date +%s)
set +e
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 "${trust[@]}" \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -c "git clone --quiet --branch '$branch' /mnt/source '$clone' && cd '$clone' \
           && git log --oneline -1 && make ${make_args[*]}" > "$log" 2>&1
status=$?
set -e
end=$(date +%s)
echo "make ${make_args[*]} exited $status after $((end - start)) s (load: $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$log"
exit "$status"
