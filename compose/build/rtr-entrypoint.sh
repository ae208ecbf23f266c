#!/bin/sh
# Entry point of the RTR app image: runs the main class named by RTR_MAIN with the arguments given.
#   RTR_MAIN                 main class, e.g. io.rtr.triage.TriageApp (required)
#   JAVA_OPTS                JVM options
set -eu
if [ -z "${RTR_MAIN:-}" ]; then
  echo "rtr-entrypoint: set RTR_MAIN to the main class to run" >&2
  exit 2
fi
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -cp "/opt/rtr/classes:/opt/rtr/lib/*" "$RTR_MAIN" "$@"
