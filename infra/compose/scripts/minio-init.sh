#!/bin/sh
# One-shot and idempotent: the buckets, versioning on the event archive, and the services'
# own S3 identity limited to the tracker's buckets (the root credentials stay with operators).
set -eu

mc alias set tracker http://minio:9000 "$(cat /run/secrets/s3_root_user)" \
  "$(cat /run/secrets/s3_root_password)" > /dev/null
resources=""
for bucket in $S3_BUCKETS; do
  mc mb --ignore-existing "tracker/$bucket"
  resources="$resources\"arn:aws:s3:::$bucket\",\"arn:aws:s3:::$bucket/*\","
done
# The archive is history: a deleted or overwritten object stays recoverable.
mc version enable tracker/event-archive

policy=$(mktemp)
cat > "$policy" <<POLICY
{"Version": "2012-10-17",
 "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": [${resources%,}]}]}
POLICY
mc admin policy create tracker tracker-services "$policy"
mc admin user add tracker "$S3_SERVICES_ACCESS_KEY" "$(cat /run/secrets/s3_services_secret_key)"
mc admin policy attach tracker tracker-services --user "$S3_SERVICES_ACCESS_KEY" 2>/dev/null || true
rm -f "$policy"
echo "minio-init: buckets $S3_BUCKETS and user $S3_SERVICES_ACCESS_KEY in place"
