#!/bin/bash
# Creates every topic the deployment uses, before anything else touches Kafka: the broker runs with
# auto.create.topics.enable=false, so a topic missing here is an error at the client that needs it
# (named in its log), never a silent 1-partition topic with the default cleanup policy.
#   - RTR's topics (io.rtr.schemas.Topics#ALL) with their partition counts, cleanup policies and
#     retention (none: the log is the audit trail; io.rtr.schemas.Topic#topicConfigs)
#     (schemas/src/test/java/io/rtr/schemas/ComposeTopicsTest.java keeps this list and Topics in step);
#   - the schema registry's store (SCHEMA_REGISTRY_KAFKASTORE_TOPIC in docker-compose.yml);
#   - Kafka Connect's internal topics (config/connect-distributed.properties).
# Kafka Streams' internal topics (repartition, changelog) are created by the Streams apps
# themselves. Idempotent (--if-not-exists); a topic that exists is left as it is.
# Runs in the kafka-init service on the apache/kafka image.
set -euo pipefail
BOOTSTRAP="${BOOTSTRAP:-kafka:19092}"
TOPICS=/opt/kafka/bin/kafka-topics.sh
REPLICATION="${REPLICATION:-1}"

until "$TOPICS" --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; do
  echo "kafka-init: waiting for $BOOTSTRAP"
  sleep 2
done

create() { # name partitions [--config k=v ...]
  local name="$1" partitions="$2"
  shift 2
  "$TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$name" \
    --partitions "$partitions" --replication-factor "$REPLICATION" "$@"
}

# Study-scoped topics: keyed by StudyInstanceUID, Topics.STUDY_PARTITIONS (6) for co-partitioned joins.
create rtr.instances 6 --config cleanup.policy=delete --config retention.ms=-1
create rtr.instances.rejected 6 --config cleanup.policy=delete --config retention.ms=-1
create rtr.studies 6 --config cleanup.policy=delete --config retention.ms=-1
create rtr.scores 6 --config cleanup.policy=delete --config retention.ms=-1
create rtr.worklist 6 --config cleanup.policy=compact
create rtr.worklist.actions 6 --config cleanup.policy=delete --config retention.ms=-1
# Side topics: Topics.SIDE_PARTITIONS (1).
create rtr.scores.dlq 1 --config cleanup.policy=delete --config retention.ms=-1
create rtr.clinic.orders 1 --config cleanup.policy=delete --config retention.ms=-1
create rtr.triage.dlq 1 --config cleanup.policy=delete --config retention.ms=-1
create rtr.worklist.dlq 1 --config cleanup.policy=delete --config retention.ms=-1

# The schema registry's store: one partition, compacted, as the Confluent registry requires.
create _schemas 1 --config cleanup.policy=compact
# Kafka Connect (distributed): configs must have exactly one partition; all three are compacted.
create rtr-connect-configs 1 --config cleanup.policy=compact
create rtr-connect-offsets 1 --config cleanup.policy=compact
create rtr-connect-status 1 --config cleanup.policy=compact

"$TOPICS" --bootstrap-server "$BOOTSTRAP" --describe --exclude-internal
