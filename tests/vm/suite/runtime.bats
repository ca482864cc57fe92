#!/usr/bin/env bats
# hull itself works in the guest (namespaces, pivot_root, its state under the
# guest's own /run), with the bundle guest.bats built on the host.

load guest

setup_file() {
	guest_setup_file
}

@test "hull runs a busybox container in the guest" {
	[ -n "${HULL:-}" ] && [ -x "$HULL" ] || skip "HULL is not set"
	[ -d "${HULL_BUNDLE_CACHE:-}" ] || skip "no bundle (HULL_BUNDLE_CACHE)"
	local bundle="$BATS_TEST_TMPDIR/bundle"
	cp -a "$HULL_BUNDLE_CACHE" "$bundle"
	# A cgroup namespace: `hull spec` writes one only on a pure v2 host, like runc.
	jq '.process.args = ["sh", "-c", "echo hello from $(hostname); cat /proc/self/cgroup"]
		| .linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])' \
		"$bundle/config.json" >"$bundle/config.json.new"
	mv "$bundle/config.json.new" "$bundle/config.json"
	run "$HULL" run --bundle "$bundle" vm-c1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "hello from $(jq -r .hostname "$bundle/config.json")" ]
	# cgroup v2: a single "0::" line; v1 and hybrid: one per hierarchy, each at its root.
	if v2; then
		[ "${lines[1]:0:3}" = "0::" ]
		[ "${#lines[@]}" -eq 2 ]
	else
		[ "${#lines[@]}" -gt 3 ]
		[[ "${lines[1]}" == *:/ ]]
	fi
}
