#!/bin/bash
# Creates every RTR topic (io.rtr.schemas.Topics#ALL) with its partition count and cleanup policy;
# the apps do not create their input and output topics. Idempotent (--if-not-exists).
# Runs in the kafka-init service on the apache/kafka image.
set -euo pipefail
BOOTSTRAP="${BOOTSTRAP:-kafka:19092}"
TOPICS=/opt/kafka/bin/kafka-topics.sh

until "$TOPICS" --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; do
  echo "kafka-init: waiting for $BOOTSTRAP"
  sleep 2
done

create() { # name partitions [--config k=v ...]
  local name="$1" partitions="$2"
  shift 2
  "$TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$name" \
    --partitions "$partitions" --replication-factor 1 "$@"
}

# Study-scoped topics: keyed by StudyInstanceUID, Topics.STUDY_PARTITIONS (6) for co-partitioned joins.
create rtr.instances 6
create rtr.instances.rejected 6
create rtr.studies 6
create rtr.scores 6
create rtr.worklist 6 --config cleanup.policy=compact
create rtr.worklist.actions 6
# Side topics: Topics.SIDE_PARTITIONS (1).
create rtr.scores.dlq 1
create rtr.clinic.orders 1
create rtr.triage.dlq 1
create rtr.worklist.dlq 1
"$TOPICS" --bootstrap-server "$BOOTSTRAP" --list
