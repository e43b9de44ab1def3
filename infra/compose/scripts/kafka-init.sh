#!/bin/bash
# One-shot and idempotent: the topics with their partitions, the SCRAM users of the services
# and of each root's publisher, and the ACLs that keep each publisher to its own root.
#
#   TRACKER_ROOTS        comma-separated roots, e.g. H44,H10
#   TRACKER_PARTITIONS   partitions of every topic (6)
#   KAFKA_REPLICATION    replication factor (1 on one broker; 3 on a real cluster)
#   /run/secrets/kafka_<service>_password, /run/secrets/kafka_publishers (lines ROOT:password)
set -euo pipefail
# shellcheck source=kafka-client.sh
source "$(dirname "$0")/kafka-client.sh"

run() { "$KAFKA_BIN/$1" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_PROPERTIES" "${@:2}"; }

topic() {
  run kafka-topics.sh --create --if-not-exists --topic "$1" \
    --partitions "${TRACKER_PARTITIONS:-6}" --replication-factor "${KAFKA_REPLICATION:-1}"
}

# The password goes in through a file, not the command line of a long-lived process.
user() {
  local config
  config=$(mktemp /tmp/scram.XXXXXX)
  printf 'SCRAM-SHA-512=[iterations=8192,password=%s]\n' "$2" > "$config"
  run kafka-configs.sh --alter --entity-type users --entity-name "$1" --add-config-file "$config"
  rm -f "$config"
}

allow() {  # allow PRINCIPAL PATTERN-TYPE RESOURCE-OPTION NAME OPERATION...
  local principal=$1 pattern=$2 kind=$3 name=$4
  shift 4
  local ops=()
  for op in "$@"; do ops+=(--operation "$op"); done
  run kafka-acls.sh --add --allow-principal "User:$principal" \
    --resource-pattern-type "$pattern" "$kind" "$name" "${ops[@]}"
}

IFS=',' read -ra roots <<< "${TRACKER_ROOTS:?set TRACKER_ROOTS, e.g. H44,H10}"
for name in tracker.facts tracker.files tracker.digitized; do topic "$name"; done
for root in "${roots[@]}"; do
  topic "dossier-events.$root"
  topic "dossier-events.$root.rejected"
done

for service in ingest digitizer reuse; do
  user "$service" "$(cat "/run/secrets/kafka_${service}_password")"
done

# ingest: reads every root's topic (regex subscription), writes facts, files and rejections.
allow ingest prefixed --topic dossier-events. Read Describe
allow ingest literal --topic tracker.facts Write Describe
allow ingest literal --topic tracker.files Write Describe
allow ingest prefixed --group tracker-ingest Read
# digitizer: reads file facts, announces outcomes, returns refused files to the root's
# rejected topic.
allow digitizer literal --topic tracker.files Read Describe
allow digitizer literal --topic tracker.digitized Write Describe
allow digitizer prefixed --group tracker-digitizer Read
# Rejections are written per root on the literal `.rejected` topic: a prefixed grant on
# `dossier-events.` would also let the tracker write the publishers' own topics.
for root in "${roots[@]}"; do
  allow ingest literal --topic "dossier-events.$root.rejected" Write Describe
  allow digitizer literal --topic "dossier-events.$root.rejected" Write Describe
done
# reuse: reads facts and outcomes (projection and archive groups).
allow reuse literal --topic tracker.facts Read Describe
allow reuse literal --topic tracker.digitized Read Describe
allow reuse prefixed --group tracker-reuse Read

# Publishers: each writes only its own root's topic and reads only its own rejections.
while IFS=: read -r root password; do
  [[ -z "$root" || "$root" == \#* ]] && continue
  user "publisher-$root" "$password"
  allow "publisher-$root" literal --topic "dossier-events.$root" Write Describe
  allow "publisher-$root" literal --topic "dossier-events.$root.rejected" Read Describe
  allow "publisher-$root" prefixed --group "publisher-$root" Read
done < /run/secrets/kafka_publishers

echo "kafka-init: topics, users and ACLs in place for roots ${roots[*]}"
