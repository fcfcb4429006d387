#!/usr/bin/env bash
# Creates the topics of the wire contract (DESIGN.md section 2) if they do not exist; existing topics are left alone
# (partition counts and configs of a live topic are changed deliberately, with kafka-topics/kafka-configs, not here).
# Runs in the apache/kafka image: docker-compose.yml mounts this file, and k8s/topics-job.yaml carries a copy
# (deploy/validate.py checks the two are identical).
#
# Environment (defaults are for the single-node compose broker):
#   BOOTSTRAP_SERVERS    kafka:19092
#   REPLICATION_FACTOR   1     production: 3 (exactly_once_v2 and acks=all durability rely on it)
#   MIN_INSYNC_REPLICAS  1     production: 2
#   IMAGES_PARTITIONS    3     images, predictions, training-images, predictions-shadow, labels; streams-app
#                              instances beyond this are idle
#   IMAGE_MAX_MESSAGE_BYTES 4259840   4 MiB image (streams-app image.max.bytes) + 64 KiB for key, metadata, headers
#   *_TOPIC              topic names, defaults as in the contract
#   COMMAND_CONFIG       optional client properties file (SASL/TLS) passed to kafka-topics.sh --command-config
set -euo pipefail

BOOTSTRAP_SERVERS="${BOOTSTRAP_SERVERS:-kafka:19092}"
RF="${REPLICATION_FACTOR:-1}"
MIN_ISR="${MIN_INSYNC_REPLICAS:-1}"
PARTITIONS="${IMAGES_PARTITIONS:-3}"
IMAGE_BYTES="${IMAGE_MAX_MESSAGE_BYTES:-4259840}"
# Model versions that fine-tuned backbone layers reach tens of MB; publisher and watcher are sized for 64 MiB.
MODEL_BYTES="${MODEL_MAX_MESSAGE_BYTES:-67108864}"
KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"

client_args=(--bootstrap-server "${BOOTSTRAP_SERVERS}")
if [[ -n "${COMMAND_CONFIG:-}" ]]; then
  client_args+=(--command-config "${COMMAND_CONFIG}")
fi

echo "waiting for ${BOOTSTRAP_SERVERS}"
for attempt in $(seq 1 60); do
  if "${KAFKA_BIN}/kafka-topics.sh" "${client_args[@]}" --list >/dev/null 2>&1; then
    break
  fi
  if [[ "${attempt}" -eq 60 ]]; then
    echo "broker ${BOOTSTRAP_SERVERS} not reachable after 60 attempts" >&2
    exit 1
  fi
  sleep 2
done

# create NAME PARTITIONS [CONFIG=VALUE ...]
create() {
  local name="$1" partitions="$2"
  shift 2
  local configs=(--config "min.insync.replicas=${MIN_ISR}")
  for c in "$@"; do
    configs+=(--config "${c}")
  done
  "${KAFKA_BIN}/kafka-topics.sh" "${client_args[@]}" --create --if-not-exists \
    --topic "${name}" --partitions "${partitions}" --replication-factor "${RF}" "${configs[@]}"
}

# the input: its partition count bounds how many streams-app instances do work
create "${IMAGES_TOPIC:-images}" "${PARTITIONS}" "max.message.bytes=${IMAGE_BYTES}"
create "${PREDICTIONS_TOPIC:-predictions}" "${PARTITIONS}"
# dead letters carry the original image bytes
create "${DLQ_TOPIC:-images-dlq}" 1 "max.message.bytes=${IMAGE_BYTES}"
# one partition so an activation is never read before its version; compacted so every version stays for rollback
create "${MODELS_TOPIC:-models}" 1 "cleanup.policy=compact" "max.message.bytes=${MODEL_BYTES}"
create "${CONTROL_TOPIC:-control}" 1
# the trainer reads its status events back at start-up so a finished request never runs twice: keep them
create "${STATUS_TOPIC:-training-status}" 1 "cleanup.policy=compact"
create "${TRAINING_IMAGES_TOPIC:-training-images}" "${PARTITIONS}" "max.message.bytes=${IMAGE_BYTES}"
# label feedback and live quality: streams-app repartitions labels itself, so any partition count (and any
# producer's partitioner) works; model-quality keeps the latest figures per model:vN
create "${SHADOW_PREDICTIONS_TOPIC:-predictions-shadow}" "${PARTITIONS}"
create "${LABELS_TOPIC:-labels}" "${PARTITIONS}"
create "${MODEL_QUALITY_TOPIC:-model-quality}" 1 "cleanup.policy=compact"

# --topic takes a regular expression (matched against whole names) when describing
"${KAFKA_BIN}/kafka-topics.sh" "${client_args[@]}" --describe \
  --topic "${IMAGES_TOPIC:-images}|${PREDICTIONS_TOPIC:-predictions}|${DLQ_TOPIC:-images-dlq}|${MODELS_TOPIC:-models}|${CONTROL_TOPIC:-control}|${STATUS_TOPIC:-training-status}|${TRAINING_IMAGES_TOPIC:-training-images}|${SHADOW_PREDICTIONS_TOPIC:-predictions-shadow}|${LABELS_TOPIC:-labels}|${MODEL_QUALITY_TOPIC:-model-quality}"
echo "topics ready"
