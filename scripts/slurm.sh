#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A one-node Slurm cluster on localhost, for the tests and for trying job files.
#
#   scripts/slurm.sh install        apt-get install slurm-wlm munge, if missing (root)
#   scripts/slurm.sh start [DIR]    munged + slurmctld + slurmd, everything in DIR
#                                   (default /tmp/blender-gt-slurm); waits until the
#                                   node takes jobs, then prints: export SLURM_CONF=...
#   scripts/slurm.sh stop [DIR]     stop the three daemons by the pids in DIR
#   scripts/slurm.sh status [DIR]   which daemons run; the node's state
#
# Needs root (the daemons run as root, jobs run as the submitter). The config, the
# munge key (made fresh), the sockets, state, spool and logs all live in DIR; nothing
# is written to /etc. Plugins chosen so that no cgroup or systemd is needed:
# ProctrackType=proctrack/linuxproc, TaskPlugin=task/none. The node claims 4 CPUs
# (SlurmdParameters=config_overrides), so a 3-task array runs at once even on 2 cores.
# Ports: free ones picked at start (SLURM_GT_CTLD_PORT, SLURM_GT_SLURMD_PORT to choose).
set -euo pipefail

command="${1:-}"
dir="${2:-${SLURM_GT_DIR:-/tmp/blender-gt-slurm}}"
daemons=(slurmd slurmctld munged)  # in the order they stop

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "slurm.sh: $1 needs root (the daemons run as root)" >&2
    exit 2
  fi
}

installed() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
    && command -v sbatch >/dev/null && command -v munged >/dev/null \
    && command -v mungekey >/dev/null
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pid_of() {  # pid_of DAEMON -> its pid if it runs, else nothing
  local file="$dir/$1.pid.gt"
  [ -f "$file" ] || return 0
  local pid
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

do_install() {
  if installed; then
    echo "slurm.sh: slurm-wlm and munge are installed ($(slurmctld -V))"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "slurm.sh: slurm-wlm and munge are missing and installing them needs root;" \
      "the Slurm tests will be skipped" >&2
    return 0
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  echo "slurm.sh: installed $(slurmctld -V)"
}

write_config() {
  local host ctld_port slurmd_port
  host="$(hostname -s)"
  ctld_port="${SLURM_GT_CTLD_PORT:-$(free_port)}"
  slurmd_port="${SLURM_GT_SLURMD_PORT:-$(free_port)}"
  cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm.sh: a one-node cluster on localhost, everything in $dir.
ClusterName=blendergt
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=4 RealMemory=2000 State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_daemon() {  # start_daemon NAME COMMAND...: in the background, its pid kept
  local name="$1"
  shift
  setsid "$@" >"$dir/$name.out" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid.gt"
}

do_start() {
  need_root start
  if ! installed; then
    echo "slurm.sh: slurm-wlm and munge are not installed: bash scripts/slurm.sh install" >&2
    exit 3
  fi
  if [ -n "$(pid_of slurmctld)" ]; then
    echo "slurm.sh: already running in $dir" >&2
    echo "export SLURM_CONF=$dir/slurm.conf"
    return 0
  fi
  mkdir -p "$dir"
  chmod 0700 "$dir"
  mkdir -p "$dir/state" "$dir/spool"
  rm -f "$dir/munge.key"
  mungekey --create --keyfile="$dir/munge.key" >/dev/null
  chmod 0400 "$dir/munge.key"
  write_config
  start_daemon munged munged --foreground --force --key-file="$dir/munge.key" \
    --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
    --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
  for _ in $(seq 50); do [ -S "$dir/munge.socket" ] && break; sleep 0.1; done
  export SLURM_CONF="$dir/slurm.conf"
  start_daemon slurmctld slurmctld -D -c -i -f "$SLURM_CONF"
  start_daemon slurmd slurmd -D -f "$SLURM_CONF" -N "$(hostname -s)"
  local state=""
  for _ in $(seq 150); do  # up to 30 s
    state="$(sinfo -h -o %T 2>/dev/null || true)"
    [ "$state" = "idle" ] && break
    for name in "${daemons[@]}"; do
      if [ -z "$(pid_of "$name")" ]; then
        echo "slurm.sh: $name stopped while starting:" \
          "$(tail -n 3 "$dir/$name.out" "$dir/$name.log" 2>/dev/null | tr '\n' ' ')" >&2
        do_stop >/dev/null
        exit 1
      fi
    done
    sleep 0.2
  done
  if [ "$state" != "idle" ]; then
    echo "slurm.sh: the node is '${state:-unknown}', not idle, after 30 s (logs in $dir)" >&2
    do_stop >/dev/null
    exit 1
  fi
  echo "export SLURM_CONF=$SLURM_CONF"
}

do_stop() {
  local name pid
  for name in "${daemons[@]}"; do
    pid="$(pid_of "$name")"
    if [ -n "$pid" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      echo "slurm.sh: stopped $name (pid $pid)"
    fi
    rm -f "$dir/$name.pid.gt"
  done
}

do_status() {
  local name pid running=0
  for name in "${daemons[@]}"; do
    pid="$(pid_of "$name")"
    if [ -n "$pid" ]; then
      echo "$name: running (pid $pid)"
      running=1
    else
      echo "$name: not running"
    fi
  done
  if [ "$running" -eq 1 ] && [ -f "$dir/slurm.conf" ]; then
    SLURM_CONF="$dir/slurm.conf" sinfo -h -o "node %N: %T, %c CPUs" || true
    echo "export SLURM_CONF=$dir/slurm.conf"
  fi
}

case "$command" in
  install) do_install ;;
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *)
    echo "usage: scripts/slurm.sh install | start [DIR] | stop [DIR] | status [DIR]" >&2
    exit 64
    ;;
esac
