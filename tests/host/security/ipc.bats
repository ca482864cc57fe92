#!/usr/bin/env bats
# Escape battery, docs/security.md §2.7 and P13 (CVE-2021-43784): the runtime<->init channel
# (src/process/protocol.hpp) carries what a legitimate config makes it carry, whatever its size,
# and keeps every length field bounded. Kubernetes allows 256 KiB of annotations; the state JSON
# with all of them goes to every hook on its stdin, through the channel for the ones the init
# runs (createContainer, startContainer).

load ../helpers
load ../spec/spec_helpers
load security_helpers

setup_file() {
	hull_setup_file
}

setup() {
	sec_setup
}

teardown() {
	sec_teardown
}

HOOK_KINDS="prestart createRuntime createContainer startContainer poststart poststop"

# big_annotations: 1000 annotations of 262 bytes each (256 KiB: Kubernetes' limit for a pod),
# with the characters the state's Go-style escaping turns into six bytes (<, >, &) and some that
# are not ASCII.
big_annotations() {
	jq -n -c '[range(1000)] | map({key: "io.hull.test/a\(.)",
		value: ("<&>é" + ("x" * 236) + "\(1000000 + .)")}) | from_entries'
}

# annotations_hash FILE: sha256 of the "annotations" object of a state JSON, canonical form.
annotations_hash() {
	jq -c -S .annotations "$1" | sha256sum | cut -d' ' -f1
}

@test "CVE-2021-43784 / P13: 256 KiB of annotations reach every hook kind whole on stdin (create, start, delete)" {
	local out="$SEC/hook-out" kind
	mkdir -m 0777 "$out"
	big_annotations >"$T/annotations.json"
	[ "$(jq -j '[to_entries[] | .key + .value] | add' "$T/annotations.json" | wc -c)" -ge 262144 ]
	# Runtime-namespace hooks write to $out directly; startContainer runs in the container and
	# writes through a bind mount of it. Each hook keeps exactly what it read on stdin.
	jq_config --slurpfile a "$T/annotations.json" --arg out "$out" '
		.annotations = $a[0]
		| .mounts += [{"destination": "/hook-out", "type": "bind", "source": $out, "options": ["bind", "rw"]}]
		| .hooks = ({} | reduce ("prestart", "createRuntime", "createContainer", "poststart", "poststop") as $k
			(.; .[$k] = [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($out)/\($k).json"]}]))
		| .hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /hook-out/startContainer.json"]}]
		| .process.args = ["true"]'
	[ "$(stat -c %s "$BUNDLE/config.json")" -gt 262144 ]

	sec_create ipc-big
	[ -s "$out/createContainer.json" ]
	hull start ipc-big
	wait_for_status ipc-big stopped
	hull delete ipc-big
	no_state_left

	local want
	want="$(jq -c -S . "$T/annotations.json" | sha256sum | cut -d' ' -f1)"
	for kind in $HOOK_KINDS; do
		[ -s "$out/$kind.json" ] || {
			echo "the $kind hook got nothing on stdin" >&2
			return 1
		}
		jq -e '.id == "ipc-big" and (.annotations | length) == 1000' "$out/$kind.json" >/dev/null || {
			echo "$kind: not the state of ipc-big with its 1000 annotations: $(head -c 300 "$out/$kind.json")" >&2
			return 1
		}
		[ "$(annotations_hash "$out/$kind.json")" = "$want" ] || {
			echo "$kind: the annotations differ from config.json's" >&2
			return 1
		}
	done
}

@test "CVE-2021-43784 / P13: run with 1 MiB of annotations and a createContainer hook passes the whole state through the init" {
	local out="$SEC/hook-out"
	mkdir "$out"
	jq -n -c '[range(4000)] | map({key: "io.hull.test/b\(.)", value: ("&" * 250 + "\(.)")}) | from_entries' \
		>"$T/annotations.json"
	jq_config --slurpfile a "$T/annotations.json" --arg out "$out" '
		.annotations = $a[0]
		| .hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "cat > \($out)/createContainer.json"]}]'
	sec_run ipc-mib true
	assert_status 0
	# the "&"s are "\u0026" in the state: over 5 MiB crossed the channel
	[ "$(stat -c %s "$out/createContainer.json")" -gt $((5 * 1024 * 1024)) ]
	[ "$(annotations_hash "$out/createContainer.json")" = \
		"$(jq -c -S . "$T/annotations.json" | sha256sum | cut -d' ' -f1)" ]
}

@test "P13: a config.json over the size hull accepts (16 MiB) is refused by name before any side effect" {
	skip_if_runc "no limit on the size of config.json"
	jq -n -c '[range(70000)] | map({key: "io.hull.test/c\(.)", value: ("y" * 250)}) | from_entries' \
		>"$T/annotations.json"
	jq_config --slurpfile a "$T/annotations.json" '.annotations = $a[0]'
	[ "$(stat -c %s "$BUNDLE/config.json")" -gt $((16 * 1024 * 1024)) ]
	try_create ipc-huge
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: "*" bytes, more than the 16777216 hull accepts"* ]] || {
		echo "unexpected error: $output" >&2
		return 1
	}
	no_state_left
	no_container_process ipc-huge
}
