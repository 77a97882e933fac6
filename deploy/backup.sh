#!/bin/sh
# Nightly backup of a production desk: the PostgreSQL dump first, then the document store
# (files are never changed once written and a referenced file is never removed, so every
# document the dump names is in the copy taken after it). On the embedded SQLite desk use
# `flask --app app backup DEST` instead. Old backups beyond KEEP_DAYS are removed.
set -eu
: "${BACKUP_ROOT:=/var/backups/servicedesk}" "${KEEP_DAYS:=14}"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$BACKUP_ROOT/$stamp"
mkdir -p "$dest"
pg_dump -Fc --no-owner -f "$dest/servicedesk.dump" "$DESK_DATABASE_URL"
rsync -a "$DESK_DOCUMENTS_DIR/" "$dest/documents/"
(cd "$dest" && find documents -type f -print0 | xargs -0 -r sha256sum > documents.sha256)
find "$BACKUP_ROOT" -mindepth 1 -maxdepth 1 -type d -mtime +"$KEEP_DAYS" -exec rm -rf {} +
echo "backup written to $dest"
