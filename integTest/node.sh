#!/usr/bin/env bash
# Runs one real Elasticsearch node with the freshly built plugin, for integTest and the main job.
#
#   node.sh start   unpack the distribution, install the plugin zip and the bundles in models/
#                   (and in EXTRA_BUNDLES, the ITs' own), start a single node on a free loopback port, wait for green
#   node.sh stop    stop the node by its pid and keep its logs
#   node.sh restart stop and start the same node again, keeping its data (for restart tests)
#   node.sh gc      run a full garbage collection in the node (jcmd GC.class_histogram), for heap measurements
#   node.sh kill9   SIGKILL the node (no shutdown at all: a crash) and start the same node again, keeping
#                   its data; waits for a yellow or green cluster (for DurabilityIT)
#   node.sh url     print the node's base URL
#   node.sh bare-home   unpack a clean distribution configured as a one-node cluster (ports, data, heap in
#                   its config/), with nothing of AudioPQ installed and not started; prints its folder (ES_HOME)
#   node.sh as-node-user CMD...   run CMD as the user that runs the node (see below), with ES_JAVA_HOME set
#   node.sh cluster-start N   instead of one node: a cluster of N nodes on loopback (distinct random ports,
#                   discovery.seed_hosts + cluster.initial_master_nodes), all from one installation with a
#                   config folder per node (ES_PATH_CONF); waits for N nodes and green. Use its own NODE_DIR.
#   node.sh cluster-add       one more node that joins the running cluster (seed hosts only); waits for it
#   node.sh cluster-stop      stop every node of the cluster by its pid
#
# Environment (Maven sets these; the defaults suit a manual run from the repository root):
#   NODE_DIR    work folder (default integTest/target/integ-node); the node's logs end up in NODE_DIR/logs
#   ES_VERSION  Elasticsearch version (default: read from pom.xml)
#   ES_ZIP      distribution zip (default NODE_DIR/elasticsearch-$ES_VERSION.zip, copied there by Maven)
#   PLUGIN_ZIP  the plugin to install (default src/plugin/target/audio-pq-*.zip)
#   ES_HEAP     node heap (default 1g)
#   EXTRA_BUNDLES  a folder of further model bundles to install (Maven sets integTest/target/integ-bundles for the ITs)
#
# Elasticsearch refuses to run as root. When this runs as root it creates (once) the system user
# "audiopq" and runs the node as that user; if that user cannot reach NODE_DIR (a checkout under
# /root, say), the node runs from a folder under /tmp instead and its logs are copied back.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
NODE_DIR=${NODE_DIR:-$repo/integTest/target/integ-node}
ES_VERSION=${ES_VERSION:-$(sed -n 's:.*<es.version>\(.*\)</es.version>.*:\1:p' "$repo/pom.xml" | head -n 1)}
ES_ZIP=${ES_ZIP:-$NODE_DIR/elasticsearch-$ES_VERSION.zip}
ES_HEAP=${ES_HEAP:-1g}
ES_USER=audiopq
state=$NODE_DIR/state          # files describing the running node: pid, port, run dir
mkdir -p "$NODE_DIR"

log() { echo "[node.sh] $*" >&2; }

as_node_user() { # runs a command as the user that runs the node
  if [ "$(id -u)" = 0 ]; then runuser -u "$ES_USER" -- "$@"; else "$@"; fi
}

ensure_user() {
  [ "$(id -u)" = 0 ] || return 0
  id "$ES_USER" >/dev/null 2>&1 && return 0
  log "running as root: creating system user $ES_USER for Elasticsearch"
  if command -v useradd >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
  else
    adduser -S -D -H "$ES_USER"   # busybox
  fi
}

free_port() { # a loopback port nobody listens on
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  log "no free port found"; return 1
}

http_get() { # http_get PORT PATH: prints the response body (HTTP/1.0 over bash's /dev/tcp, no curl needed)
  local port=$1 path=$2
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
  sed '1,/^\r$/d' <&3
  exec 3<&-
}

node_pid() { [ -f "$state/pid" ] && cat "$state/pid"; }
node_alive() { local pid; pid=$(node_pid) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

run_dir_for() { # where the node's files live: NODE_DIR if the node's user can use it
  local dir=$NODE_DIR/run
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown "$ES_USER" "$dir"
    if ! runuser -u "$ES_USER" -- test -w "$dir"; then
      dir=/tmp/audiopq-node-$(echo "$NODE_DIR" | cksum | cut -d' ' -f1)
      log "$ES_USER cannot reach $NODE_DIR; running the node from $dir"
      mkdir -p "$dir"
    fi
  fi
  echo "$dir"
}

copy_logs() {
  local run; run=$(cat "$state/run_dir" 2>/dev/null) || return 0
  if [ "$run/logs" != "$NODE_DIR/logs" ] && [ -d "$run/logs" ]; then
    rm -rf "$NODE_DIR/logs"; cp -r "$run/logs" "$NODE_DIR/logs"
  fi
}

unpack_home() { # unpacks the distribution under a fresh run folder (recorded in $state) and copies the plugin zip beside it
  # shellcheck source=../src/scripts/java-home.sh
  source "$repo/src/scripts/java-home.sh"
  local plugin_zip=${PLUGIN_ZIP:-$(ls "$repo"/src/plugin/target/audio-pq-*.zip 2>/dev/null | head -n 1)}
  [ -f "$ES_ZIP" ] || { log "distribution $ES_ZIP missing (mvn pre-integration-test copies it)"; return 1; }
  [ -f "$plugin_zip" ] || { log "plugin zip missing (run mvn package)"; return 1; }

  ensure_user
  local run; run=$(run_dir_for)
  rm -rf "$state" "$run/elasticsearch-$ES_VERSION" "$run/data" "$run/logs"
  mkdir -p "$state"
  echo "$run" > "$state/run_dir"

  log "unpacking $(basename "$ES_ZIP") into $run"
  (cd "$run" && "$JAVA_HOME/bin/jar" xf "$ES_ZIP")
  chmod +x "$run/elasticsearch-$ES_VERSION"/bin/*
  # A fresh copy of the plugin, outside target/, so the node's user can read it.
  cp "$plugin_zip" "$run/plugin.zip"
}

install_home() { # unpack_home, then installs the plugin zip and the bundles
  unpack_home
  local run; run=$(cat "$state/run_dir")
  local home=$run/elasticsearch-$ES_VERSION
  log "installing the plugin ($run/plugin.zip)"
  ES_JAVA_HOME=$JAVA_HOME "$home/bin/elasticsearch-plugin" install --batch "file://$run/plugin.zip" >&2
  # Bundles: the project's defaults (models/) and any the caller adds (the ITs' own).
  local bundles
  for bundles in "$repo/models" ${EXTRA_BUNDLES:+"$EXTRA_BUNDLES"}; do
    if compgen -G "$bundles/*/model.json" >/dev/null; then
      mkdir -p "$home/config/audio-pq/models"
      cp -r "$bundles"/*/ "$home/config/audio-pq/models/"
    fi
  done
}

start() {
  if node_alive; then log "a node is already running (pid $(node_pid)); stop it first"; return 1; fi
  install_home
  local run; run=$(cat "$state/run_dir")
  mkdir -p "$run/data" "$run/logs"
  [ "$(id -u)" = 0 ] && chown -R "$ES_USER" "$run"

  local port transport
  port=$(free_port); transport=$(free_port)
  echo "$port" > "$state/port"
  echo "$transport" > "$state/transport"
  launch
}

launch() { # starts the node installed under the run folder, on the ports in $state, and waits for green
  # (launch yellow: for yellow or green, after a crash)
  local want=${1:-green}
  local run port transport home
  run=$(cat "$state/run_dir"); port=$(cat "$state/port"); transport=$(cat "$state/transport")
  home=$run/elasticsearch-$ES_VERSION
  log "starting Elasticsearch $ES_VERSION on 127.0.0.1:$port (JDK $JAVA_HOME, heap $ES_HEAP)"
  as_node_user env ES_JAVA_HOME="$JAVA_HOME" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
    "$home/bin/elasticsearch" -d -p "$run/es.pid" \
      -E cluster.name=audiopq-integ -E node.name=audiopq-node-0 \
      -E discovery.type=single-node -E xpack.security.enabled=false \
      -E network.host=127.0.0.1 -E http.port="$port" -E transport.port="$transport" \
      -E path.data="$run/data" -E path.logs="$run/logs" >"$run/startup.out" 2>&1 \
    || { cat "$run/startup.out" >&2; return 1; }
  cp "$run/es.pid" "$state/pid"

  local health="" status=""
  for _ in $(seq 1 180); do
    health=$(http_get "$port" "/_cluster/health?wait_for_status=$want&timeout=1s" 2>/dev/null || true)
    case "$health" in
      *'"status":"green"'*) status=green ;;
      *'"status":"yellow"'*) [ "$want" = yellow ] && status=yellow ;;
    esac
    [ -n "$status" ] && break
    if ! node_alive; then break; fi
    sleep 1
  done
  case "$status" in
    green|yellow) log "node is $status: http://127.0.0.1:$port (pid $(node_pid), logs $run/logs)" ;;
    *) log "node did not become green; last lines of its log:"
       tail -n 40 "$run/logs/audiopq-integ.log" >&2 2>/dev/null || true
       stop; return 1 ;;
  esac
}

bare_home() { # a clean distribution configured as a one-node cluster, nothing of AudioPQ installed
  # (InstallChecklistIT runs README's install checklist on it). The settings go into the installation's
  # own config files, as on any existing cluster, so the checklist starts it with a bare bin/elasticsearch.
  # Prints the installation folder (ES_HOME); the plugin zip lies beside it as plugin.zip.
  unpack_home
  local run port transport home
  run=$(cat "$state/run_dir"); home=$run/elasticsearch-$ES_VERSION
  port=$(free_port); transport=$(free_port)
  echo "$port" > "$state/port"; echo "$transport" > "$state/transport"
  mkdir -p "$run/data" "$run/logs"
  printf '%s\n' "cluster.name: audiopq-integ" "node.name: audiopq-node-0" "discovery.type: single-node" \
    "xpack.security.enabled: false" "network.host: 127.0.0.1" "http.port: $port" "transport.port: $transport" \
    "path.data: $run/data" "path.logs: $run/logs" >> "$home/config/elasticsearch.yml"
  printf -- '-Xms%s\n-Xmx%s\n' "$ES_HEAP" "$ES_HEAP" > "$home/config/jvm.options.d/heap.options"
  if [ "$(id -u)" = 0 ]; then chown -R "$ES_USER" "$run"; fi
  echo "$home"
}

as_node_user_cmd() { # runs a command as the node's user (creating it when root), with ES_JAVA_HOME set
  ensure_user
  # shellcheck source=../src/scripts/java-home.sh
  source "$repo/src/scripts/java-home.sh"
  as_node_user env ES_JAVA_HOME="$JAVA_HOME" "$@"
}

restart() { # a full node restart that keeps data, port and installation (segments reopen through SPI)
  [ -f "$state/run_dir" ] || { log "no node to restart"; return 1; }
  # shellcheck source=../src/scripts/java-home.sh
  source "$repo/src/scripts/java-home.sh"
  stop
  launch
}

kill9() { # a crash: SIGKILL, no shutdown hooks, no flush; then the same node again with its data
  [ -f "$state/run_dir" ] || { log "no node to kill"; return 1; }
  # shellcheck source=../src/scripts/java-home.sh
  source "$repo/src/scripts/java-home.sh"
  if node_alive; then
    local pid; pid=$(node_pid)
    log "killing node with SIGKILL (pid $pid)"
    kill -9 "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { log "pid $pid survived SIGKILL"; return 1; }
  else
    log "no live node to kill; starting it again"
  fi
  rm -f "$state/pid"
  launch yellow
}

gc() { # a full garbage collection in the node, as the node's user: for heap measurements. A class
  # histogram runs a full GC that reclaims everything unreachable (GC.run right after a load left
  # hundreds of MB that the next histogram showed were garbage).
  node_alive || { log "no live node"; return 1; }
  # shellcheck source=../src/scripts/java-home.sh
  source "$repo/src/scripts/java-home.sh"
  as_node_user "$JAVA_HOME/bin/jcmd" "$(node_pid)" GC.class_histogram >/dev/null
}

stop() {
  if node_alive; then
    local pid; pid=$(node_pid)
    log "stopping node (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && { log "node ignored SIGTERM; killing it"; kill -9 "$pid"; }
  fi
  copy_logs
  rm -f "$state/pid"
}

# --- a cluster of several nodes (ClusterIT) ---------------------------------------------------------
cluster_launch() { # cluster_launch I HTTP_PORT TRANSPORT_PORT SEEDS [INITIAL_MASTERS]: starts node I of the cluster
  local i=$1 port=$2 transport=$3 seeds=$4 masters=${5:-}
  local run home dir
  run=$(cat "$state/run_dir"); home=$run/elasticsearch-$ES_VERSION; dir=$run/node-$i
  mkdir -p "$state/nodes/$i" "$dir/data" "$dir/logs"
  rm -rf "$dir/config"; cp -r "$home/config" "$dir/config"
  [ "$(id -u)" = 0 ] && chown -R "$ES_USER" "$dir"
  echo "$port" > "$state/nodes/$i/port"; echo "$transport" > "$state/nodes/$i/transport"
  local extra=()
  [ -n "$masters" ] && extra=(-E cluster.initial_master_nodes="$masters")
  log "starting cluster node audiopq-node-$i on 127.0.0.1:$port (transport $transport)"
  as_node_user env ES_JAVA_HOME="$JAVA_HOME" ES_PATH_CONF="$dir/config" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
    "$home/bin/elasticsearch" -d -p "$dir/es.pid" \
      -E cluster.name=audiopq-integ-cluster -E node.name="audiopq-node-$i" \
      -E discovery.seed_hosts="$seeds" "${extra[@]}" -E xpack.security.enabled=false \
      -E network.host=127.0.0.1 -E http.port="$port" -E transport.port="$transport" \
      -E path.data="$dir/data" -E path.logs="$dir/logs" >"$dir/startup.out" 2>&1 \
    || { cat "$dir/startup.out" >&2; return 1; }
  cp "$dir/es.pid" "$state/nodes/$i/pid"
}

cluster_seeds() { # the transport addresses of the nodes started so far
  local seeds="" f
  for f in "$state"/nodes/*/transport; do seeds="$seeds${seeds:+,}127.0.0.1:$(cat "$f")"; done
  echo "$seeds"
}

cluster_wait() { # cluster_wait N: until node 0 reports N nodes and green
  local n=$1 port health
  port=$(cat "$state/nodes/0/port")
  for _ in $(seq 1 240); do
    health=$(http_get "$port" "/_cluster/health?wait_for_nodes=$n&wait_for_status=green&timeout=1s" 2>/dev/null || true)
    case "$health" in
      *'"status":"green"'*'"number_of_nodes":'"$n"','*) log "cluster is green with $n nodes"; return 0 ;;
    esac
    sleep 1
  done
  log "cluster did not reach $n green nodes: $health"
  tail -n 30 "$(cat "$state/run_dir")"/node-*/logs/audiopq-integ-cluster.log >&2 2>/dev/null || true
  cluster_stop; return 1
}

cluster_start() {
  local n=${1:?usage: node.sh cluster-start N}
  [ -d "$state/nodes" ] && cluster_stop
  install_home
  rm -rf "$(cat "$state/run_dir")"/node-*
  # Ports first (distinct ones: the nodes start in parallel), so every initial node can seed from all of them.
  local i p seeds="" masters="" ports=()
  while [ ${#ports[@]} -lt $((2 * n)) ]; do
    p=$(free_port)
    case " ${ports[*]} " in *" $p "*) ;; *) ports+=("$p") ;; esac
  done
  local transports=("${ports[@]:0:n}") https=("${ports[@]:n}")
  for i in $(seq 0 $((n - 1))); do
    seeds="$seeds${seeds:+,}127.0.0.1:${transports[$i]}"; masters="$masters${masters:+,}audiopq-node-$i"
  done
  # In parallel: "elasticsearch -d" returns only once its node has started, and a node of a cluster
  # that has not formed yet waits discovery.initial_state_timeout (30 s) for the others first.
  local pids=()
  for i in $(seq 0 $((n - 1))); do
    cluster_launch "$i" "${https[$i]}" "${transports[$i]}" "$seeds" "$masters" & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || { cluster_stop; return 1; }; done
  cluster_wait "$n"
}

cluster_add() {
  source "$repo/src/scripts/java-home.sh"
  local n; n=$(ls "$state/nodes" | wc -l)
  cluster_launch "$n" "$(free_port)" "$(free_port)" "$(cluster_seeds)"
  cluster_wait $((n + 1))
}

cluster_stop() {
  local f pid
  for f in "$state"/nodes/*/pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then log "stopping cluster node (pid $pid)"; kill "$pid"; fi
  done
  for f in "$state"/nodes/*/pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$f"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  kill9) kill9 ;;
  gc) gc ;;
  bare-home) bare_home ;;
  as-node-user) shift; as_node_user_cmd "$@" ;;
  url) echo "http://127.0.0.1:$(cat "$state/port")" ;;
  cluster-start) cluster_start "${2:-}" ;;
  cluster-add) cluster_add ;;
  cluster-stop) cluster_stop ;;
  *) echo "usage: $0 start|stop|restart|kill9|gc|url|bare-home|as-node-user CMD...|cluster-start N|cluster-add|cluster-stop" >&2; exit 2 ;;
esac
