# Sourced by the project's scripts: exports JAVA_HOME pointing at a JDK 21 or newer.
# Order: $JAVA_HOME, the `java` on PATH, then the newest JDK under the usual install roots.

java_feature_version() { # prints the feature version (e.g. 21) of the java binary $1
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

find_jdk21() {
  local candidates=() dir
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for dir in $(ls -d /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* 2>/dev/null | sort -rV); do
    candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || continue
    local v; v=$(java_feature_version "$dir/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then echo "$dir"; return 0; fi
  done
  return 1
}

if ! JAVA_HOME=$(find_jdk21); then
  echo "No JDK 21 or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm, /opt). Install one and set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
