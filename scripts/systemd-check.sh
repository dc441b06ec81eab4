#!/usr/bin/env bash
# The unit under a real systemd: boots a Debian 12 root with `systemd-nspawn -b`, installs the
# built ghharvest with systemd/ghharvest.service, a config and a token, starts the synthetic
# GitHub inside it, and checks what an operator relies on:
#   start (Type=notify, READY), every sandbox directive in force (no SIGSYS), a good reload
#   applied, a bad reload failing visibly with the old config still running, a bad config at
#   start exiting 78 without restarts (RestartPreventExitStatus), the CLI run in the
#   service's context, a clean stop.
#
#   sudo bash scripts/systemd-check.sh [BUILD_DIR]        (make systemd-check)
#
# Needs root and, the first time, Debian's package archive (debootstrap of the root, kept in
# $GHH_NSPAWN_ROOT, default /var/tmp/ghharvest-nspawn/root, for the next runs). Not part of
# `make test`: CI has no archive to bootstrap from. Prints one line per check; exits 1 when
# any fails.
set -euo pipefail

build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
root=${GHH_NSPAWN_ROOT:-/var/tmp/ghharvest-nspawn/root}
machine=ghh-check
work=$(mktemp -d /tmp/ghh-systemd-check.XXXXXX)
failures=0

[[ $(id -u) == 0 ]] || { echo "systemd-check: run as root (sudo)" >&2; exit 1; }
[[ -x $build/ghharvest && -x $build/tests/ghharvest-fakehub ]] ||
  { echo "systemd-check: build first (make build)" >&2; exit 1; }
for tool in debootstrap systemd-nspawn nsenter; do
  command -v "$tool" >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap systemd-container >/dev/null
done

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
pass() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; failures=$((failures + 1)); }
check() {  # check "what" command...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# The Debian packages holding the binaries' shared libraries, to install in the root.
library_packages() {
  for b in "$build/ghharvest" "$build/tests/ghharvest-fakehub"; do
    ldd "$b" | awk '/=> \//{print $3}'
  done | sort -u | while read -r lib; do
    dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
      dpkg -S "${lib#/usr}" 2>/dev/null || true
  done | cut -d: -f1 | sort -u
}

if [[ ! -x $root/lib/systemd/systemd ]]; then
  say "Bootstrapping a Debian 12 root in $root (once)"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates,procps \
    bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; exit 1; }
fi
# procps: the unit's ExecReload= signals with /bin/kill, as on any full Debian install.
mapfile -t pkgs < <(library_packages; echo procps)
if ! chroot "$root" dpkg -s "${pkgs[@]}" >/dev/null 2>&1; then
  say "Installing the binaries' libraries in the root: ${pkgs[*]}"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  chroot "$root" apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -q "${pkgs[@]}" >/dev/null
fi

say "Installing ghharvest, its unit, a config and a token"
install -m 0755 "$build/ghharvest" "$root/usr/local/bin/ghharvest"
install -m 0755 "$build/tests/ghharvest-fakehub" "$root/usr/local/bin/ghharvest-fakehub"
install -m 0644 "$src/systemd/ghharvest.service" "$root/etc/systemd/system/ghharvest.service"
mkdir -p "$root/etc/ghharvest"
install -m 0600 /dev/stdin "$root/etc/ghharvest/github-token" <<<"ghp_systemd_check_token"
rm -rf "$root/var/lib/private/ghharvest" "$root/var/lib/ghharvest" "$root/var/lib/ghh-fakehub"
# The synthetic GitHub as a unit of its own; it writes the config the service is to use.
cat >"$root/etc/systemd/system/ghh-fakehub.service" <<'UNIT'
[Unit]
Description=synthetic GitHub for the systemd check
[Service]
ExecStart=/usr/local/bin/ghharvest-fakehub --seed 7 --writers 3 --projects 4 --items 600 \
  --port 18080 --config-out /var/lib/ghh-fakehub/ghharvest.toml \
  --poll-interval 10s --score-interval 15s
StateDirectory=ghh-fakehub
[Install]
WantedBy=multi-user.target
UNIT
chroot "$root" systemctl enable ghh-fakehub.service >/dev/null 2>&1
chroot "$root" systemctl disable ghharvest.service >/dev/null 2>&1 || true
# Harvests, not a login prompt: no getty, no network configuration to wait for.
chroot "$root" systemctl mask console-getty.service systemd-networkd-wait-online.service \
  >/dev/null 2>&1 || true

say "Booting systemd in the root (systemd-nspawn -b)"
# This machine's cgroups are a hybrid of v1 controllers and a v2 'unified' tree; nspawn wants
# its launcher alone in a cgroup of both trees it uses.
for tree in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
  if [[ -d $tree ]]; then
    mkdir -p "$tree/ghh-check"
    echo $$ >"$tree/ghh-check/cgroup.procs" 2>/dev/null || true
  fi
done
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn -q -b -D "$root" -M "$machine" \
  --register=no --keep-unit --private-network >"$work/console.log" 2>&1 &
nspawn=$!
cleanup() {
  kill -TERM "$nspawn" 2>/dev/null || true
  wait "$nspawn" 2>/dev/null || true
}
trap cleanup EXIT

init=""
for _ in $(seq 1 100); do
  init=$(pgrep -P "$nspawn" -x systemd | head -1 || true)
  [[ -n $init ]] && break
  sleep 0.2
done
[[ -n $init ]] || { cat "$work/console.log" >&2; echo "no systemd in the container" >&2; exit 1; }
ct() { nsenter -t "$init" -a -- "$@"; }
for _ in $(seq 1 150); do
  state=$(ct systemctl is-system-running 2>/dev/null || true)
  [[ $state == running || $state == degraded ]] && break
  sleep 0.2
done
pass "systemd $(ct systemctl --version | head -1 | cut -d' ' -f2) booted: $state"
for _ in $(seq 1 100); do ct test -s /var/lib/ghh-fakehub/ghharvest.toml && break; sleep 0.2; done
ct test -s /var/lib/ghh-fakehub/ghharvest.toml ||
  { ct systemctl status ghh-fakehub --no-pager >&2 || true; exit 1; }
# The service's config: the synthetic GitHub's, with the paths left to StateDirectory=.
ct sh -c "sed -e '/^\[storage\]/,/^$/d' -e '/^\[reports\]/,/^$/d' \
  /var/lib/ghh-fakehub/ghharvest.toml >/etc/ghharvest/ghharvest.toml"
good_config=$(ct cat /etc/ghharvest/ghharvest.toml)

show() { ct systemctl show -P "$2" "$1"; }

say "Start"
t0=$(date +%s.%N)
check "systemctl start returns 0 (Type=notify: after READY=1)" ct systemctl start ghharvest
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "        start took %.2f s\n", b - a }'
check "active (running)" test "$(show ghharvest SubState)" = running
uid=$(ct awk '/^Uid:/{print $2}' "/proc/$(show ghharvest MainPID)/status")
check "runs as a dynamic user (uid $uid), not root" test "${uid:-0}" != 0
for _ in $(seq 1 60); do
  ct journalctl -u ghharvest -q --no-pager | grep -q 'harvest finished' && break
  sleep 0.5
done
check "a harvest and a scoring run happened" \
  sh -c "nsenter -t $init -a -- journalctl -u ghharvest -q --no-pager | grep -q 'harvest finished'"
# User=ghharvest: the service's dynamic user (named after its unit), shared while both run;
# without it systemd would give the command a user of its own and hand it the state folder.
ct systemd-run --pipe --wait -q -p DynamicUser=yes -p User=ghharvest \
  -p StateDirectory=ghharvest -p ConfigurationDirectory=ghharvest \
  /usr/local/bin/ghharvest status -c /etc/ghharvest/ghharvest.toml >"$work/status.out" 2>&1 || true
check "status in the service's context sees the service's database" grep -q 'GitHub id' "$work/status.out"
check "and the service still owns its state folder" \
  test "$(ct stat -c %u /var/lib/private/ghharvest)" = "$uid"

say "Reload"
ct sh -c "sed -i 's/^score_interval = .*/score_interval = \"20s\"/' /etc/ghharvest/ghharvest.toml"
check "a good reload returns 0" ct systemctl reload ghharvest
sleep 1
check "and the daemon applied it" \
  sh -c "nsenter -t $init -a -- journalctl -u ghharvest -q --no-pager | grep -q 'config reloaded'"
pid_before=$(show ghharvest MainPID)
ct sh -c "printf '[schedule\npoll_interval = \n' >>/etc/ghharvest/ghharvest.toml"
if ct systemctl reload ghharvest 2>"$work/reload.err"; then
  fail "a bad reload fails visibly (it returned 0)"
else
  pass "a bad reload fails visibly: $(head -1 "$work/reload.err")"
fi
check "the daemon still runs, same process, old config" \
  test "$(show ghharvest SubState)/$(show ghharvest MainPID)" = "running/$pid_before"
ct sh -c "cat >/etc/ghharvest/ghharvest.toml" <<<"$good_config"

say "Stop"
t0=$(date +%s.%N)
check "systemctl stop returns 0" ct systemctl stop ghharvest
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "        stop took %.2f s\n", b - a }'
check "it exited 0 on SIGTERM" test "$(show ghharvest ExecMainStatus)" = 0
check "no SIGSYS from the system call filter" \
  sh -c "! nsenter -t $init -a -- journalctl -q --no-pager | grep -qi 'SIGSYS\|code=killed, status=31'"

say "A bad config at start"
ct sh -c "printf '[schedule\n' >/etc/ghharvest/ghharvest.toml"
ct systemctl reset-failed ghharvest 2>/dev/null || true
ct systemctl start ghharvest 2>/dev/null || true
sleep 12  # past RestartSec=10s: a restart would have happened by now
check "it exited 78" test "$(show ghharvest ExecMainStatus)" = 78
check "and was not restarted (RestartPreventExitStatus=78)" test "$(show ghharvest NRestarts)" = 0
check "failed, not activating" test "$(show ghharvest ActiveState)" = failed
check "journalctl -p err shows the config error" \
  sh -c "nsenter -t $init -a -- journalctl -u ghharvest -p err -q --no-pager | grep -q 'configuration has errors'"

ct journalctl -q --no-pager -o short-monotonic >"$work/journal.log" 2>&1 || true
say "The service's journal (last lines; all of the container's: $work/journal.log)"
ct journalctl -u ghharvest -q --no-pager -o short-monotonic | tail -15 || true
if ((failures)); then
  echo "systemd-check: $failures check(s) failed (console: $work/console.log)"
  exit 1
fi
echo "systemd-check: all checks passed"
