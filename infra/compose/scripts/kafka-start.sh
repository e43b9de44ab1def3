#!/bin/bash
# Starts the broker with a JAAS file written from the admin secret at start-up, so no password
# is in the image, the compose file or a broker property. PLAIN authenticates the admin (also
# between broker and controller); SCRAM-SHA-512 the services and publishers (kafka-init.sh).
set -euo pipefail

admin_password=$(cat "${ADMIN_PASSWORD_FILE:-/run/secrets/kafka_admin_password}")
jaas=/tmp/kafka_server_jaas.conf
umask 077
cat > "$jaas" <<JAAS
KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required
    username="admin" password="${admin_password}" user_admin="${admin_password}";
  org.apache.kafka.common.security.scram.ScramLoginModule required;
};
JAAS
unset admin_password
export KAFKA_OPTS="${KAFKA_OPTS:-} -Djava.security.auth.login.config=$jaas"
if [[ -x /__cacert_entrypoint.sh ]]; then
  exec /__cacert_entrypoint.sh /etc/kafka/docker/run
fi
exec /etc/kafka/docker/run
