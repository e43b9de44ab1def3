#!/bin/bash
# Writes random secrets into infra/compose/secrets/ (mode 600, ignored by git), one file each,
# and keeps every file that already exists: run it again after adding a root.
#
#   scripts/make-secrets.sh [ROOTS]     ROOTS comma-separated, default $TRACKER_ROOTS or H44
set -euo pipefail

dir=${SECRETS_DIR:-"$(cd "$(dirname "$0")/.." && pwd)/secrets"}
roots=${1:-${TRACKER_ROOTS:-H44}}
mkdir -p "$dir"
chmod 700 "$dir"
umask 077

random() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
put() {  # put NAME VALUE: only when missing
  if [[ ! -s "$dir/$1" ]]; then printf '%s\n' "$2" > "$dir/$1"; echo "wrote secrets/$1"; fi
}

put postgres_password "$(random 24)"
put database_url "postgresql+asyncpg://tracker:$(tr -d '\n' < "$dir/postgres_password")@postgres:5432/tracker"
put s3_root_user "tracker-admin"
put s3_root_password "$(random 24)"
put s3_services_secret_key "$(random 24)"
put hash_key "$(random 32)"
put kafka_admin_password "$(random 24)"
for service in ingest digitizer reuse; do put "kafka_${service}_password" "$(random 24)"; done
put grafana_admin_password "$(random 18)"
touch "$dir/kafka_publishers"
IFS=',' read -ra wanted <<< "$roots"
for root in "${wanted[@]}"; do
  if ! grep -q "^$root:" "$dir/kafka_publishers"; then
    printf '%s:%s\n' "$root" "$(random 24)" >> "$dir/kafka_publishers"
    echo "added publisher-$root to secrets/kafka_publishers"
  fi
done
