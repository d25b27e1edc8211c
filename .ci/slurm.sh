#!/usr/bin/env bash
# Throwaway single-node Slurm cluster on localhost, for CI and for trying the Slurm executor.
# Configuration and pitfalls: ../shared/notes/slurm.md (Debian 12, Slurm 22.05, no systemd,
# no cgroups). Daemons are started by hand and stopped by the PIDs this script recorded.
#
# Usage (as root):  bash .ci/slurm.sh start    # apt install if missing, configure, start, wait for idle
#                   bash .ci/slurm.sh stop     # cancel leftovers, stop what `start` started
#                   bash .ci/slurm.sh status   # exit 0 when the node is up and idle/mixed/allocated
# Env: SLURM_CI_CPUS=8  CPU slots to advertise (may exceed the real cores; jobs are tiny)
set -euo pipefail
CPUS=${SLURM_CI_CPUS:-8}
RUN=/run/slurm-ci                 # pid files of everything this script starts
STATE=/var/spool/slurm-ci         # slurmctld/slurmd state, wiped on every start
LOG=/var/log/slurm-ci
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
node_up() { sinfo -h -n localhost -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)$'; }

do_install() {
  # `slurmd -V` rather than `sinfo --version`: client commands die without a slurm.conf.
  if command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then
    return 0
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/tmp/slurm-ci-apt.log 2>&1 \
    || { tail -30 /tmp/slurm-ci-apt.log >&2; return 1; }
  say "installed $(slurmd -V)"
}

do_configure() {
  if [ -d /run/systemd/system ]; then      # a postinst may have started them under systemd
    systemctl stop slurmd slurmctld 2>/dev/null || true
  fi
  if [ ! -s /etc/munge/munge.key ]; then   # Debian's postinst normally creates it
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
    chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 0755 /run/munge   # normally made by systemd-tmpfiles
  install -d -m 0755 "$RUN" /etc/slurm
  rm -rf "$STATE"
  install -d -o slurm -g slurm "$STATE/ctld" "$LOG"
  install -d "$STATE/d"
  cat >/etc/slurm/slurm.conf <<CONF
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
# no cgroups: works in containers and gVisor
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
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
# keep finished job records for \`scontrol show job\` (no sacct without slurmdbd)
MinJobAge=3600
EnforcePartLimits=ALL
KillWait=5
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
SlurmdParameters=config_overrides
NodeName=localhost CPUs=$CPUS RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
}

do_start() {
  if alive "$RUN/slurmctld.pid" && node_up; then say "already running"; return 0; fi
  do_install
  do_configure
  if ! (munge -n </dev/null | unmunge) >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged
    wait_for 10 sh -c 'munge -n </dev/null | unmunge'
    cp /run/munge/munged.pid "$RUN/munged.pid"   # only stop what we started
  fi
  /usr/sbin/slurmctld
  /usr/sbin/slurmd
  wait_for 60 node_up || { tail -20 "$LOG"/slurmctld.log "$LOG"/slurmd.log >&2; return 1; }
  say "single-node cluster up: $(sinfo -h -o '%P %a %D %T %N')"
}

do_stop() {
  # Cancel leftovers while slurmctld is alive: with it down every client command retries ~18 s.
  if alive "$RUN/slurmctld.pid"; then
    scancel --state=PENDING 2>/dev/null || true
    scancel --state=RUNNING 2>/dev/null || true
    wait_for 30 sh -c '! squeue -h | grep -q .' || true
  fi
  stop_pidfiles "$RUN/slurmd.pid" "$RUN/slurmctld.pid"
  stop_pidfiles "$RUN/munged.pid"
  say "stopped"
}

do_status() { alive "$RUN/slurmctld.pid" && node_up; }

case "${1:-}" in
  start|stop|status) "do_$1" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
