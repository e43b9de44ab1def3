#!/bin/bash
# Admin client settings for the Kafka command-line tools, from the admin secret file.
# Sourced by kafka-init.sh; `kafka-client.sh check` is the broker's health check.
set -euo pipefail

KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
BOOTSTRAP=${BOOTSTRAP:-kafka:9092}
ADMIN_PROPERTIES=$(mktemp /tmp/admin.XXXXXX.properties)
chmod 600 "$ADMIN_PROPERTIES"
admin_password=$(cat "${ADMIN_PASSWORD_FILE:-/run/secrets/kafka_admin_password}")
cat > "$ADMIN_PROPERTIES" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${admin_password}";
PROPS
unset admin_password
trap 'rm -f "$ADMIN_PROPERTIES"' EXIT

if [[ "${1:-}" == "check" ]]; then
  "$KAFKA_BIN/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP" \
    --command-config "$ADMIN_PROPERTIES" > /dev/null
fi
