#!/usr/bin/env bash
# Runs Lucene's CheckIndex (org.apache.lucene.index.CheckIndex) on a COPY of an Elasticsearch shard
# whose index has pq_vector fields, on the classpath of the distribution (lib/*.jar: Lucene and the
# Elasticsearch codecs) plus the plugin's jars (the PQ vectors format, AudioPqVectors1), so every
# codec and format resolves by SPI as it does in the node. See docs/operations.md, "Checking an
# index with CheckIndex".
#
#   bash src/scripts/check-index.sh [--es-home DIR] [--plugin DIR|ZIP] PATH [CheckIndex options]
#
# PATH: a Lucene index folder (holds segments_N: <data>/indices/<uuid>/<shard>/index), a shard folder
# (holds index/) or an index folder (<data>/indices/<uuid>, holds shard folders): every Lucene index
# found is checked. Never point it at the folders of a running node: copy them first (or stop the
# node); CheckIndex takes the index's write lock, and -exorcise (passed through like any other
# option) rewrites the index.
#
#   --es-home DIR   the Elasticsearch installation (default: $ES_HOME, else the integTest node's)
#   --plugin X      the plugin: an installed plugin folder (<es-home>/plugins/audio-pq) or the zip
#                   (default: <es-home>/plugins/audio-pq when installed, else src/plugin/target/audio-pq-*.zip)
#
# Runs at CheckIndex's -level 3 (the full check) unless another -level (or -fast) is given. Prints
# the vector fields of every segment with their format, then CheckIndex's report. Exit code 0
# when CheckIndex found no problems in every index, 1 when it found problems, 2 on usage errors.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
es_home=${ES_HOME:-}
plugin=${AUDIOPQ_PLUGIN:-}
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --es-home) es_home=$2; shift 2 ;;
    --plugin) plugin=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -ge 1 ] || { echo "usage: $0 [--es-home DIR] [--plugin DIR|ZIP] PATH [CheckIndex options]" >&2; exit 2; }
target=${args[0]}
options=("${args[@]:1}")
# CheckIndex's own default is level 1 (checksums only); the full check (level 3: every postings list,
# stored field, doc value and vector read back and cross-checked) unless a level is asked for.
case " ${options[*]:-} " in *" -level "*|*" -fast "*) ;; *) options=(-level 3 "${options[@]}") ;; esac
[ -d "$target" ] || { echo "no such folder: $target" >&2; exit 2; }

# shellcheck source=java-home.sh
source "$repo/src/scripts/java-home.sh"

if [ -z "$es_home" ]; then
  node_dir=${NODE_DIR:-$repo/integTest/target/integ-node}
  if [ -f "$node_dir/state/run_dir" ]; then
    es_home=$(ls -d "$(cat "$node_dir/state/run_dir")"/elasticsearch-* 2>/dev/null | head -n 1 || true)
  fi
fi
[ -n "$es_home" ] && [ -d "$es_home/lib" ] \
  || { echo "no Elasticsearch installation: pass --es-home DIR or set ES_HOME (the node's home, with lib/)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$plugin" ]; then
  if [ -d "$es_home/plugins/audio-pq" ]; then plugin=$es_home/plugins/audio-pq
  else plugin=$(ls "$repo"/src/plugin/target/audio-pq-*.zip 2>/dev/null | head -n 1 || true); fi
fi
case "$plugin" in
  *.zip) [ -f "$plugin" ] || { echo "no plugin zip $plugin" >&2; exit 2; }
         mkdir -p "$tmp/plugin"; (cd "$tmp/plugin" && "$JAVA_HOME/bin/jar" xf "$plugin"); plugin_dir=$tmp/plugin ;;
  *) plugin_dir=$plugin ;;
esac
compgen -G "$plugin_dir/*.jar" >/dev/null \
  || { echo "no plugin jars in ${plugin:-(none found)}: pass --plugin <es-home>/plugins/audio-pq or the zip (mvn package makes it)" >&2; exit 2; }

platform=$(uname -m); case "$platform" in x86_64|amd64) platform=x64 ;; aarch64|arm64) platform=aarch64 ;; esac
os=linux; [ "$(uname -s)" = Darwin ] && os=darwin
java_opts=(--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector
  "-Djava.library.path=$es_home/lib/platform/$os-$platform" -Xss4m)
cp="$es_home/lib/*:$plugin_dir/*"
# Sets up Elasticsearch's logging (its codecs and formats need it), then CheckIndex.main or the vector field list.
main=$repo/src/scripts/check-index/CheckIndexMain.java

# The Lucene indices under PATH: folders holding a segments_N file.
mapfile -t indices < <(find "$target" -name 'segments_*' -type f -printf '%h\n' | sort -u)
[ ${#indices[@]} -gt 0 ] || { echo "no Lucene index (segments_N) under $target" >&2; exit 2; }

echo "Elasticsearch: $es_home"
echo "plugin: $plugin"
status=0
for index in "${indices[@]}"; do
  echo
  echo "== $index"
  "$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$cp" "$main" --vector-fields "$index" || status=1
  echo
  "$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$cp" "$main" "$index" "${options[@]}" || status=1
done
exit $status
