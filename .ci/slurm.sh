#!/usr/bin/env bash
# Throwaway multi-node Slurm cluster on this one machine, for CI and for trying the Slurm
# executor: one slurmctld, N compute nodes (default 3), slurmdbd + MariaDB so that `sacct`
# works, munge. Every process is started by hand and stopped by the PID this script recorded.
#
# Usage (as root):  bash .ci/slurm.sh start    # apt install if missing, configure, start, wait for idle
#                   bash .ci/slurm.sh stop     # cancel leftovers, stop what `start` started, remove the network
#                   bash .ci/slurm.sh status   # exit 0 when every node is up (idle/mixed/allocated)
# Env: SLURM_CI_NODES=3   compute nodes (node1..nodeN)
#      SLURM_CI_CPUS=4    CPU slots each node advertises (may exceed the real cores; jobs are tiny)
#      SLURM_CI_NAME=slurm-ci, SLURM_CI_NET=10.199.0, SLURM_CI_PORT=6817, SLURM_CONF=/etc/slurm/slurm.conf:
#                         a second cluster beside the first (its own dirs, netns/bridge names,
#                         subnet and ports); client commands reach it with the same SLURM_CONF.
#
# What was learned (Debian 12: Slurm 22.05.8, MUNGE 0.5.15, MariaDB 10.11; root, no systemd):
# - Nodes are network namespaces, not multiple-slurmd mode: Debian's slurmd is not built with
#   --enable-multiple-slurmd (no such strings in the binary). Each node is `ip netns` NS with
#   one veth whose peer sits on a bridge the script makes; the bridge holds .1 (slurmctld,
#   slurmdbd, the client commands), node i is .(10+i). All slurmds use the same port, each in
#   its own namespace. The addresses exist only inside this machine.
# - Each slurmd also gets its own UTS namespace (`unshare --uts`) so `hostname` in a job says
#   the node's name; the filesystem, munge's socket and the users are shared, like a cluster
#   with a shared filesystem.
# - slurmd enters its namespace with `nsenter --net`, not `ip netns exec`: the latter remounts
#   /sys for the namespace, without /sys/fs/cgroup, and 22.05's slurmd then fails to start
#   ("Unable to initialize cgroup plugin") even with proctrack/linuxproc and task/none.
# - slurmd is run in the foreground (-D) behind setsid, nsenter and unshare, which all exec:
#   `$!` is slurmd's own PID. SlurmdPidFile/SlurmdSpoolDir/SlurmdLogFile take `%n` (the
#   node name): without distinct pid files a starting slurmd SIGTERMs the one before it.
# - SlurmctldHost=localhost(ADDR): slurmctld accepts "localhost" as its own name whatever the
#   hostname, and every daemon and client connects to ADDR, which the namespaces can reach.
# - Arrays spread over the nodes only with the partition's LLN=YES (least loaded node first);
#   by default select/cons_tres packs all tasks onto node1 until its CPUs are full.
# - `sacct` needs slurmdbd and a database: Debian 12 has no accounting_storage/filetxt. MariaDB
#   gets its own data dir under the state dir (mariadb-install-db, ~2 s) and listens only on
#   127.0.0.1; accounting reaches slurmdbd asynchronously (a few hundred ms after a job ends).
# - More in the notes of the single-node version: scheduler latency (SchedulerParameters below,
#   ~1 s per job), kill_invalid_depend belongs to DependencyParameters, any client command
#   retries ~18 s while slurmctld is down (so cancel leftovers before stopping it).
set -euo pipefail
NODES=${SLURM_CI_NODES:-3}
CPUS=${SLURM_CI_CPUS:-4}
NAME=${SLURM_CI_NAME:-slurm-ci}
NET=${SLURM_CI_NET:-10.199.0}
PORT=${SLURM_CI_PORT:-6817}       # slurmctld; slurmd PORT+1, slurmdbd PORT+2, MariaDB PORT+3
export SLURM_CONF=${SLURM_CONF:-/etc/slurm/slurm.conf}
CONFDIR=$(dirname "$SLURM_CONF")
RUN=/run/$NAME                    # pid files of everything this script starts
STATE=/var/spool/$NAME            # slurmctld/slurmd/MariaDB state, wiped on every start
LOG=/var/log/$NAME
TAG=k${NET##*.}                   # short prefix of interface and namespace names (15-byte limit)
BRIDGE=${TAG}br
export DEBIAN_FRONTEND=noninteractive
T0=$EPOCHREALTIME
say() { awk -v a="$T0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN{printf "[slurm-ci %6.2fs] %s\n", b-a, m}' >&2; }

wait_for() {                      # wait_for TIMEOUT_S CMD... : poll every 0.1 s
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || { echo "slurm-ci: timeout waiting for: $*" >&2; return 1; }
    sleep 0.1
  done
}
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop_pidfiles() {                 # SIGTERM the PIDs recorded in FILE..., wait <=30 s, then SIGKILL
  local f p i pids=()
  for f in "$@"; do
    if [ -s "$f" ]; then p=$(cat "$f"); kill "$p" 2>/dev/null && pids+=("$p"); fi
    rm -f "$f"
  done
  for p in "${pids[@]+"${pids[@]}"}"; do
    for i in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then echo "slurm-ci: pid $p still alive, SIGKILL" >&2; kill -9 "$p"; fi
  done
  return 0
}
node_names() { local i; for i in $(seq "$NODES"); do echo "node$i"; done; }
nodes_up() { [ "$(sinfo -h -N -o '%N %T' 2>/dev/null | grep -Ec ' (idle|mixed|allocated)$')" -eq "$NODES" ]; }

do_install() {
  # `slurmd -V` rather than `sinfo --version`: client commands die without a slurm.conf.
  local cmd missing=0
  for cmd in slurmd slurmctld slurmdbd sbatch munged mariadbd mariadb-install-db ip unshare; do
    command -v "$cmd" >/dev/null || missing=1
  done
  [ "$missing" = 0 ] && return 0
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm slurmdbd munge mariadb-server iproute2 util-linux \
    >/tmp/slurm-ci-apt.log 2>&1 || { tail -30 /tmp/slurm-ci-apt.log >&2; return 1; }
  say "installed $(slurmd -V)"
}

do_network() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$NET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  local i ns
  for i in $(seq "$NODES"); do
    ns=$TAG-node$i
    ip netns add "$ns"
    ip link add "${TAG}v$i" type veth peer name eth0 netns "$ns"
    ip link set "${TAG}v$i" master "$BRIDGE" up
    ip -n "$ns" addr add "$NET.$((10 + i))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
}

do_unnetwork() {                  # only the names this script makes, whatever node count made them
  local ns
  for ns in $(ip netns list | awk -v p="^$TAG-node[0-9]+\$" '$1 ~ p {print $1}'); do ip netns del "$ns"; done
  ip link del "$BRIDGE" 2>/dev/null || true
}

do_configure() {
  if [ -d /run/systemd/system ]; then      # a postinst may have started them under systemd
    systemctl stop slurmd slurmctld slurmdbd mariadb 2>/dev/null || true
  fi
  if [ ! -s /etc/munge/munge.key ]; then   # Debian's postinst normally creates it
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
    chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 0755 /run/munge   # normally made by systemd-tmpfiles
  install -d -m 0755 "$RUN" "$CONFDIR"
  rm -rf "$STATE"
  install -d -o slurm -g slurm "$STATE/ctld" "$LOG"
  install -d "$STATE/d"
  install -d -o mysql -g mysql "$STATE/mysql" "$RUN/mysqld"
  cat >"$CONFDIR/slurmdbd.conf" <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$((PORT + 2))
SlurmUser=slurm
PidFile=$RUN/slurmdbd.pid
LogFile=$LOG/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$((PORT + 3))
StorageUser=slurm
StoragePass=slurmci
StorageLoc=slurm_acct_db
CONF
  chown slurm:slurm "$CONFDIR/slurmdbd.conf"; chmod 0600 "$CONFDIR/slurmdbd.conf"
  local nodes
  nodes=$(node_names | paste -sd,)
  {
    cat <<CONF
ClusterName=ci
SlurmctldHost=localhost($NET.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d/%n
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd-%n.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd-%n.log
# no cgroups: works in containers and VMs without a delegated cgroup tree
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$((PORT + 2))
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG/jobcomp.log
SchedulerType=sched/backfill
# defaults start a batch job ~3 s after submit; these make it ~1 s
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
# afterok on a failed array: cancel the dependent instead of leaving it pending forever
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# keep finished job records for \`scontrol show job\`
MinJobAge=3600
EnforcePartLimits=ALL
KillWait=5
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
SlurmdParameters=config_overrides
CONF
    local i
    for i in $(seq "$NODES"); do echo "NodeName=node$i NodeAddr=$NET.$((10 + i)) CPUs=$CPUS RealMemory=4000 State=UNKNOWN"; done
    # LLN: each task goes to the least loaded node, so an array spreads over every node.
    echo "PartitionName=debug Nodes=$nodes Default=YES MaxTime=INFINITE State=UP LLN=YES"
  } >"$SLURM_CONF"
}

start_mariadb() {
  mariadb-install-db --user=mysql --datadir="$STATE/mysql" --auth-root-authentication-method=socket \
    --skip-test-db >"$LOG/mariadb-install.log" 2>&1 || { tail -20 "$LOG/mariadb-install.log" >&2; return 1; }
  setsid mariadbd --no-defaults --user=mysql --datadir="$STATE/mysql" --socket="$RUN/mysqld/mysqld.sock" \
    --pid-file="$RUN/mysqld/mysqld.pid" --bind-address=127.0.0.1 --port=$((PORT + 3)) \
    >>"$LOG/mariadb.log" 2>&1 </dev/null &
  echo $! >"$RUN/mariadb.pid"               # setsid execs, so $! is mariadbd itself
  wait_for 60 mariadb-admin --socket="$RUN/mysqld/mysqld.sock" ping || { tail -5 "$LOG/mariadb.log" >&2; return 1; }
  mariadb --socket="$RUN/mysqld/mysqld.sock" -e "CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmci';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
}

do_start() {
  if alive "$RUN/slurmctld.pid" && nodes_up; then say "already running"; return 0; fi
  do_install
  do_stop_quietly
  do_configure
  do_network
  if ! (munge -n </dev/null | unmunge) >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged
    wait_for 10 sh -c 'munge -n </dev/null | unmunge'
    cp /run/munge/munged.pid "$RUN/munged.pid"   # only stop what we started
  fi
  start_mariadb
  /usr/sbin/slurmdbd                            # daemonizes; pid file in $RUN
  wait_for 60 sacctmgr -n list cluster || { tail -20 "$LOG/slurmdbd.log" >&2; return 1; }
  /usr/sbin/slurmctld                           # daemonizes (+ child slurmscriptd)
  local i
  for i in $(seq "$NODES"); do
    install -d "$STATE/d/node$i"
    setsid nsenter --net="/run/netns/$TAG-node$i" unshare --uts sh -c "hostname node$i && exec /usr/sbin/slurmd -D -N node$i" \
      >>"$LOG/slurmd-node$i.out" 2>&1 </dev/null &
    echo $! >"$RUN/node$i.pid"
  done
  wait_for 60 nodes_up || { sinfo -N >&2 || true; tail -n 20 "$LOG"/slurmctld.log "$LOG"/slurmd-node1.log >&2; return 1; }
  say "cluster up: $(sinfo -h -o '%P %a %D %T %N')"
}

# A start after a crash: stop what the last start left (by its pid files) and its network.
do_stop_quietly() { do_stop_processes; do_unnetwork; }

do_stop_processes() {
  # Cancel leftovers while slurmctld is alive: with it down every client command retries ~18 s.
  if alive "$RUN/slurmctld.pid"; then
    scancel --state=PENDING 2>/dev/null || true
    scancel --state=RUNNING 2>/dev/null || true
    wait_for 30 sh -c '! squeue -h | grep -q .' || true
  fi
  # node*.pid: whatever node count the last start used; slurmd.pid: the single-node version's.
  stop_pidfiles "$RUN"/node*.pid "$RUN/slurmd.pid" "$RUN/slurmctld.pid"
  stop_pidfiles "$RUN/slurmdbd.pid"
  stop_pidfiles "$RUN/mariadb.pid"
  stop_pidfiles "$RUN/munged.pid"
}

do_stop() {
  do_stop_processes
  do_unnetwork
  say "stopped"
}

do_status() { alive "$RUN/slurmctld.pid" && nodes_up; }

case "${1:-}" in
  start|stop|status) "do_$1" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
