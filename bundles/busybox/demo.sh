#!/usr/bin/env bash
# `make demo`: builds the busybox bundle and drives one container through
# create -> state -> start -> state -> delete, showing what the container sees.
set -euo pipefail

hull="${HULL:?set HULL to the hull binary}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(mktemp -d /tmp/hull-demo-root.XXXXXX)"
id="demo-$$"
trap '"$hull" --root "$root" delete --force "$id" >/dev/null 2>&1 || true; rm -rf "$root"' EXIT

bash "$here/build.sh" --hull "$hull" "$here"
# What the container prints: its hostname, that it is pid 1, its own mount table.
jq '.process.args = ["sh", "-c", "echo \"hostname: $(hostname)\"; echo \"my pid:   $$\"; echo \"mounts:\"; cat /proc/self/mounts | sed \"s/^/  /\""]' \
	"$here/config.json" >"$here/config.json.tmp"
mv "$here/config.json.tmp" "$here/config.json"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step hull create --bundle "$here" "$id"
"$hull" --root "$root" create --bundle "$here" "$id"
step hull state "$id"
"$hull" --root "$root" state "$id"
echo
step hull start "$id"
"$hull" --root "$root" start "$id"
# The container runs on its own; wait for it to finish its output and exit.
for _ in $(seq 100); do
	[ "$("$hull" --root "$root" state "$id" | jq -r .status)" = stopped ] && break
	sleep 0.05
done
step hull state "$id"
"$hull" --root "$root" state "$id"
echo
step hull delete "$id"
"$hull" --root "$root" delete "$id"
step hull list
"$hull" --root "$root" list
