# tests/slurm/cluster.sh: a throwaway Slurm cluster of one or more nodes on localhost, for
# tests.
#
# Source it, then:
#   cluster_start DIR [NODES]
#                        generate a munge key and slurm.conf in DIR (an empty folder),
#                        start munged, slurmctld and one slurmd per node, wait until every
#                        node is idle, and export SLURM_CONF so that sbatch/srun/squeue use
#                        this cluster. NODES (default 1, or $CLUSTER_NODES):
#                          1   one node named after this host with all its CPUs
#                          K>1 K nodes n1..nK, each with 1 CPU and 1/K of the memory, all
#                              at NodeAddr=127.0.0.1 with a port of their own, each run
#                              by its own `slurmd -N nI` (several slurmd on one host)
#   cluster_stop         cancel what is still queued, stop the daemons cluster_start
#                        started (by their PIDs, last started first) and wait for them
#
# Everything lives in DIR: key, sockets, pid files, state, spool and logs (one spool, log
# and pid file per node through %n), so nothing of the machine's own munge or Slurm setup
# is read or touched. The daemons run in the foreground as children of this shell, so
# their PIDs are exactly the ones we started and cluster_stop never has to guess by name.
# Each runs in a session of its own (setsid), so a ^C at the terminal reaches the test,
# whose trap stops them in order, and not the daemons directly. Ports are picked free at
# start so that two checks (or a real slurmctld) on the same machine do not clash.
#
# Several slurmd on one host: each is started with `slurmd -N nI` and needs a Port= of
# its own and its own spool, pid and log file (SlurmdSpoolDir, SlurmdPidFile and
# SlurmdLogFile with %n), and its own TmpFS (TmpFS with %n): the PMIx plugin creates its
# per-step client folder spmix_appdir_<uid>_<job>.<step> there, and two nodes of one job
# on the same host would otherwise both create /tmp/spmix_appdir_... and the second step
# daemon fails ("Cannot create directory ... File exists"). Slurm's documentation ties
# several slurmd per host to builds configured with --enable-multiple-slurmd; Debian 12's
# slurm-wlm 22.05.8 runs them as set up here (batch jobs, array tasks and 2-node
# `srun --mpi=pmix -N 2` steps, checked by tests/slurm/check-slurm). The nodes have 1 CPU
# each so that a job array spreads over them and a 2-rank job needs both.
#
# The configuration is the smallest one that runs MPI jobs as root without cgroups:
# proctrack/linuxproc and task/none (containers rarely give us a writable cgroup tree),
# select/cons_tres so several 1-CPU array tasks share a node, MpiDefault=pmix so that
# `srun -n N` wires up Open MPI ranks itself.

CLUSTER_PIDS=()
CLUSTER_DIR=

# Prints a TCP port on localhost that nothing listens on, from a range Slurm does not use
# by default.
cluster_free_port() {
  local port
  for port in $(shuf -i 20000-29999 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# Waits up to $2 seconds for the command $1 (a string run by bash) to succeed.
cluster_wait_for() {
  local cmd=$1 limit=$2 i
  for ((i = 0; i < limit * 5; i++)); do
    if bash -c "$cmd" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

CLUSTER_NODE_NAMES=()

cluster_start() {
  local dir=$1 nodes=${2:-${CLUSTER_NODES:-1}} host cpus mem ctld_port port i name nodelines= used
  CLUSTER_DIR=$dir
  CLUSTER_NODE_NAMES=()
  mkdir -p "$dir"/{munge,state,spool,log}
  chmod 700 "$dir/munge"
  host=$(hostname -s)
  cpus=$(nproc)
  # leave a quarter of the memory (at least 1 GiB) to the system
  mem=$(awk '/^MemTotal:/ { m = int($2 / 1024); r = int(m * 3 / 4); if (m - r < 1024) r = m - 1024; print r }' /proc/meminfo)
  ctld_port=$(cluster_free_port) || { echo "cluster: no free port" >&2; return 1; }
  used=" $ctld_port "
  # one line per node; each slurmd listens on a port of its own
  for ((i = 1; i <= nodes; i++)); do
    port=$(cluster_free_port) || { echo "cluster: no free port" >&2; return 1; }
    while [[ $used == *" $port "* ]]; do port=$(cluster_free_port); done
    used+="$port "
    if [ "$nodes" = 1 ]; then
      name=$host
      nodelines+="NodeName=$name NodeAddr=127.0.0.1 Port=$port CPUs=$cpus RealMemory=$mem State=UNKNOWN"$'\n'
    else
      name=n$i
      nodelines+="NodeName=$name NodeAddr=127.0.0.1 NodeHostname=$host Port=$port CPUs=1 RealMemory=$((mem / nodes)) State=UNKNOWN"$'\n'
    fi
    CLUSTER_NODE_NAMES+=("$name")
    # per node: the spool and TmpFS (where the PMIx plugin puts its per-step client folder,
    # spmix_appdir_<uid>_<job>.<step>, which would clash between two nodes on one host)
    mkdir -p "$dir/spool/slurmd-$name" "$dir/tmp/$name"
  done

  # munge: a fresh 1 KiB key readable only by us, and its own socket
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  setsid munged --foreground --force --key-file="$dir/munge/munge.key" \
    --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
    >>"$dir/log/munged.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  if ! cluster_wait_for "[ -S '$dir/munge/munge.socket' ]" 20; then
    echo "cluster: munged did not start (see $dir/log/munged.log)" >&2
    return 1
  fi

  cat >"$dir/slurm.conf" <<EOF
ClusterName=bandalign-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
TmpFS=$dir/tmp/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MaxArraySize=10001
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=600
${nodelines}PartitionName=test Nodes=$(IFS=,; echo "${CLUSTER_NODE_NAMES[*]}") Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/slurm.conf
  # clients read AuthInfo from slurm.conf; this covers tools that only look at the environment
  export MUNGE_SOCKET=$dir/munge/munge.socket

  setsid slurmctld -D -f "$SLURM_CONF" >>"$dir/log/slurmctld.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  if ! cluster_wait_for "scontrol ping | grep -q UP" 30; then
    echo "cluster: slurmctld did not come up (see $dir/log/slurmctld.log)" >&2
    return 1
  fi
  for name in "${CLUSTER_NODE_NAMES[@]}"; do
    setsid slurmd -D -N "$name" -f "$SLURM_CONF" >>"$dir/log/slurmd-$name.out" 2>&1 &
    CLUSTER_PIDS+=($!)
  done
  if ! cluster_wait_for "[ \"\$(sinfo -h -N -o %t | grep -cx idle)\" = $nodes ]" 60; then
    echo "cluster: not all of the $nodes nodes became idle (see $dir/log/slurmd-*.log):" >&2
    sinfo -N -l >&2 || true
    return 1
  fi
  return 0
}

# True while the process $1 runs (a zombie child that is not yet waited for has ended).
cluster_alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$state" ] && [[ $state != Z* ]]
}

cluster_stop() {
  local i t pid
  [ ${#CLUSTER_PIDS[@]} -eq 0 ] && return 0
  # slurmctld is the second daemon started: only ask it to cancel jobs if it still runs
  if [ ${#CLUSTER_PIDS[@]} -ge 2 ] && cluster_alive "${CLUSTER_PIDS[1]}" && [ -f "${SLURM_CONF:-}" ]; then
    # our own cluster, so this cancels only the jobs this check submitted; slurmd then
    # ends their steps before it is stopped itself
    timeout 10 scancel --user="$(id -un)" >/dev/null 2>&1 || true
    cluster_wait_for "[ -z \"\$(timeout 5 squeue -h -o %i 2>/dev/null)\" ]" 20 || true
  fi
  for ((i = ${#CLUSTER_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${CLUSTER_PIDS[i]}
    kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; continue; }
    # give it 15 s to exit cleanly, then insist
    for ((t = 0; t < 75; t++)); do
      cluster_alive "$pid" || break
      sleep 0.2
    done
    cluster_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  done
  CLUSTER_PIDS=()
}
