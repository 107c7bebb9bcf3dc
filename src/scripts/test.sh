#!/usr/bin/env bash
# Runs every test, in one Maven reactor run (docs/testing.md): each module's unit and Elasticsearch
# framework tests (Surefire; the training toolkit's in src/train), then integTest: the bundles the
# real-node tests use (with ../shared also a head trained by the toolkit), one real node, the *IT
# classes (Failsafe). A failing test does not stop the later stages: every module still runs, the
# failures are listed at the end, and the exit status is non-zero. Extra arguments go to Maven.
set -uo pipefail
cd "$(dirname "$0")/../.."
source src/scripts/java-home.sh
echo "Using JDK at $JAVA_HOME"
# Whatever happens to Maven, never leave a node behind.
trap 'bash integTest/node.sh stop >/dev/null 2>&1 || true' EXIT
# Reports of an earlier run must not count in this one's summary.
rm -rf src/*/target/surefire-reports integTest/target/failsafe-reports
mvn -B -ntp verify -Dmaven.test.failure.ignore=true "$@"
mvn_status=$?

failed=()
for report in src/*/target/surefire-reports/TEST-*.xml integTest/target/failsafe-reports/TEST-*.xml; do
  [ -f "$report" ] || continue
  header=$(grep -m 1 -o '<testsuite [^>]*>' "$report")
  f=$(sed -n 's/.* failures="\([0-9]*\)".*/\1/p' <<<"$header")
  e=$(sed -n 's/.* errors="\([0-9]*\)".*/\1/p' <<<"$header")
  if [ "${f:-0}" != 0 ] || [ "${e:-0}" != 0 ]; then
    failed+=("$(basename "$report" .xml | sed 's/^TEST-//') ($f failures, $e errors; $report)")
  fi
done
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: ${#failed[@]} test classes failed:"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
if [ $mvn_status -ne 0 ]; then
  echo "test.sh: the build failed (Maven exit $mvn_status) outside the tests; see the log above" >&2
  exit $mvn_status
fi
echo "test.sh: all stages passed"
