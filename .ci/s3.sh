#!/usr/bin/env bash
# A real S3 server for the object-storage tests: Ceph's RADOS Gateway from Debian, on a one-node
# cluster (one ceph-mon, one ceph-osd with the memstore object store), all on 127.0.0.1.
#
# Usage:  eval "$(bash .ci/s3.sh start)"   # prints export AWS_ENDPOINT_URL=... AWS_ACCESS_KEY_ID=...
#         bash .ci/s3.sh status | stop
#         bash .ci/s3.sh outage N           # stops radosgw for N seconds, then starts it again
# State lives in $KILN_S3_DIR (default /tmp/kiln-s3): config, mon store, logs, PID files. Every
# process is stopped by its recorded PID, never by name. Runs as root (apt-get, as .ci/slurm.sh).
#
# What was learned making it work (Debian 12, Ceph 16.2.15 "pacific"):
# - apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common: ~80 s the first
#   time (about 60 packages); nothing is installed when the binaries are already there.
# - No cephadm, no systemd: the mon store is made with monmaptool + ceph-mon --mkfs, the OSD with
#   `ceph osd new` + ceph-osd --mkfs. No ceph-mgr: RGW needs only mon + OSD (`ceph -s` then says
#   HEALTH_WARN "no active mgr", harmless here).
# - cephx stays on. With auth_*_required = none the ceph CLI worked but radosgw's monclient
#   failed with "get_initial_auth_request returned -13" and hung 300 s; instead one keyring holds
#   keys for mon., client.admin, osd.0 and client.rgw and ceph-mon --mkfs imports them all.
# - The mon listens on msgr2 only: monmaptool --add with a non-6789 port makes a v2 address, and a
#   v1-only client then hangs "hunting"; so the monmap and `mon host` name [v2:127.0.0.1:PORT].
# - memstore keeps objects in the OSD's RAM (memstore_device_bytes caps it): no disk image, no
#   bluestore/LVM, and a start takes ~20 s, mostly waiting for the OSD to boot and the PGs to peer.
# - RGW creates its pools itself on first start; pools default to 8 PGs and size 1 (one OSD), so
#   they stay well under mon_max_pg_per_osd (a precaution: 32 PGs x 7+ pools would pass 250).
# - RGW answers only when its zone exists, which it creates on first start; the S3 user is made
#   with radosgw-admin after RGW answers, with fixed keys (a local test server, not a secret).
# - RGW supports PUT with If-None-Match: * (412 when the key exists): the output lock's
#   conditional create works here as on AWS S3 (since Aug 2024).
# - Path-style addressing: RGW without rgw_dns_name only serves path-style requests, so the
#   printed environment sets KILN_S3_PATH_STYLE=1 (read by core/storage/s3-location.ts).
set -euo pipefail
DIR=${KILN_S3_DIR:-/tmp/kiln-s3}
MON_PORT=${KILN_S3_MON_PORT:-16789}
RGW_PORT=${KILN_S3_PORT:-17480}
ACCESS=kilntestaccesskey
SECRET=kilntestsecretkey0123456789
CONF=$DIR/ceph.conf
say() { echo "s3.sh: $*" >&2; }
ceph_() { timeout 30 ceph -c "$CONF" "$@"; }

install_ceph() {
  command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && command -v radosgw >/dev/null && return 0
  say "installing ceph-mon ceph-osd radosgw from Debian (~80 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw ceph-common >"$DIR/apt.log" 2>&1 \
    || { tail -30 "$DIR/apt.log" >&2; exit 1; }
}

alive() { [ -f "$DIR/run/$1.pid" ] && kill -0 "$(cat "$DIR/run/$1.pid")" 2>/dev/null; }

stop_one() {
  local name=$1 pid i
  [ -f "$DIR/run/$name.pid" ] || return 0
  pid=$(cat "$DIR/run/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/run/$name.pid"
}

start_rgw() {
  timeout 60 radosgw -c "$CONF" -n client.rgw
  local i
  for i in $(seq 120); do
    if curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/"; then return 0; fi
    sleep 0.5
  done
  say "radosgw did not answer on 127.0.0.1:$RGW_PORT; see $DIR/log/client.rgw.log"
  tail -20 "$DIR/log/client.rgw.log" >&2 || true
  exit 1
}

print_env() {
  cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$RGW_PORT
export AWS_ACCESS_KEY_ID=$ACCESS
export AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_REGION=us-east-1
export KILN_S3_PATH_STYLE=1
EOF
}

start() {
  mkdir -p "$DIR"
  if alive mon.a && alive osd.0 && alive client.rgw; then print_env; return 0; fi
  install_ceph
  stop_all
  rm -rf "$DIR/mon" "$DIR/osd0" "$DIR/run" "$DIR/log"
  mkdir -p "$DIR/mon" "$DIR/osd0" "$DIR/run" "$DIR/log" "$DIR/rgw"
  local fsid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON_PORT]
mon initial members = a
public addr = 127.0.0.1
auth allow insecure global id reclaim = false
client mount timeout = 30
osd objectstore = memstore
memstore device bytes = 3221225472
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
osd memory target = 268435456
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = true
keyring = $DIR/keyring
[mon.a]
mon data = $DIR/mon
[osd.0]
osd data = $DIR/osd0
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $DIR/rgw
rgw thread pool size = 64
EOF
  # One keyring for every daemon, imported into the mon's auth database by ceph-mon --mkfs.
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n client.rgw --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
  monmaptool --create --clobber --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$fsid" "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/keyring" >/dev/null
  ceph-mon -c "$CONF" -i a
  local uuid id i
  uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph_ osd new "$uuid")
  [ "$id" = 0 ] || { say "expected osd id 0, got $id"; exit 1; }
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$uuid" >/dev/null 2>&1
  ceph-osd -c "$CONF" -i 0
  for i in $(seq 120); do
    ceph_ osd stat -f json 2>/dev/null | grep -q '"num_up_osds":1' && break
    sleep 0.5
  done
  start_rgw
  radosgw-admin -c "$CONF" user create --uid=kiln --display-name=kiln --access-key="$ACCESS" --secret-key="$SECRET" >/dev/null
  say "up: radosgw on 127.0.0.1:$RGW_PORT (state in $DIR)"
  print_env
}

stop_all() {
  stop_one client.rgw
  stop_one osd.0
  stop_one mon.a
}

status() {
  local name ok=0
  for name in mon.a osd.0 client.rgw; do
    if alive "$name"; then echo "$name running (pid $(cat "$DIR/run/$name.pid"))"; else echo "$name stopped"; ok=1; fi
  done
  return $ok
}

outage() {
  local n=${1:?outage needs a number of seconds}
  alive client.rgw || { say "radosgw is not running"; exit 1; }
  stop_one client.rgw
  say "radosgw stopped for $n s"
  sleep "$n"
  start_rgw
  say "radosgw back"
}

case "${1:-}" in
  start) start ;;
  stop) stop_all ;;
  status) status ;;
  outage) outage "${2:-}" ;;
  *) echo "usage: $0 start|stop|status|outage N" >&2; exit 2 ;;
esac
