#!/bin/sh
# PUTs every connector configuration in /connectors/NAME.json as connector NAME once Kafka
# Connect's REST API answers. PUT /connectors/NAME/config creates or updates, so running it
# again is harmless. Runs in the connect-init service on the curlimages/curl image.
set -eu
CONNECT="${CONNECT_URL:-http://connect:8083}"

until curl -fsS "$CONNECT/connector-plugins" >/dev/null 2>&1; do
  echo "connect-init: waiting for Kafka Connect at $CONNECT"
  sleep 3
done
echo "connect-init: plugins:"
curl -fsS "$CONNECT/connector-plugins"
echo

# Order matters little (each connector retries), but the CDC of the RIS orders comes first so
# that orders are on rtr.clinic.orders before studies arrive.
for name in clinic-orders-cdc worklist-sink worklist-actions-cdc dicom-ingest; do
  file="/connectors/$name.json"
  echo "connect-init: PUT $name"
  tries=0
  until curl -fsS -X PUT -H 'Content-Type: application/json' --data "@$file" \
      "$CONNECT/connectors/$name/config"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 20 ]; then
      echo "connect-init: giving up on $name" >&2
      exit 1
    fi
    sleep 3
  done
  echo
done

sleep 10
for name in clinic-orders-cdc worklist-sink worklist-actions-cdc dicom-ingest; do
  curl -fsS "$CONNECT/connectors/$name/status" || true
  echo
done
