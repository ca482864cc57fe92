#!/usr/bin/env bats
# Escape battery, docs/security.md §2.9 (mount-propagation leaks, reliability with security
# impact): container mounts leaking to the host under load (runc 1.2.0 #4417, crun
# "mount-no-leak-to-host"), and a container without a mount namespace changing the propagation of
# the host's / (runc v1.5.3). The host's mountinfo is compared by the harness after every test
# as well; these tests add host-side shared mounts for a leak to show up on.

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

# shared_volume: a host directory $SEC/vol that is a shared mount of its own (a leak through
# propagation would show up under it), bind-mounted into the container at /vol with a tmpfs
# mounted below it by the container's config.
shared_volume() {
	mkdir -p "$SEC/vol/sub"
	mount --bind "$SEC/vol" "$SEC/vol"
	SPEC_MOUNTS+=("$SEC/vol")
	mount --make-shared "$SEC/vol"
	# the table to compare with at the end of the test, this mount of its own included
	host_mountinfo >"$T/mountinfo.with-vol"
	jq_config --arg src "$SEC/vol" '.mounts += [
		{"destination": "/vol", "type": "bind", "source": $src, "options": ["rbind", "rshared"]},
		{"destination": "/vol/sub", "type": "tmpfs", "source": "tmpfs", "options": ["size=8k"]}]'
}

@test "runc #4417 / crun mount-no-leak-to-host (§2.9): 200 create/delete cycles, half failing after their mounts, leave the host's mounts as they were" {
	shared_volume
	local i ok=0 failed=0 t0=$SECONDS
	set_args true
	cp "$BUNDLE/config.json" "$T/good.json"
	# fails late: after every mount, at the sysctl write in the container's procfs
	jq '.linux.sysctl = {"kernel.hull_no_such_key": "1"}' "$T/good.json" >"$T/bad.json"
	for i in $(seq 100); do
		cp "$T/good.json" "$BUNDLE/config.json"
		if closing_fds "$HULL" --root "$ROOT" run --bundle "$BUNDLE" "good$i" </dev/null >/dev/null 2>"$T/err"; then
			ok=$((ok + 1))
		elif ! grep -q "container process is already dead" "$T/err"; then
			cat "$T/err" >&2
			return 1
		fi
		cp "$T/bad.json" "$BUNDLE/config.json"
		if closing_fds "$HULL" --root "$ROOT" create --bundle "$BUNDLE" "bad$i" </dev/null >/dev/null 2>"$T/err"; then
			echo "a create that should fail did not" >&2
			return 1
		fi
		failed=$((failed + 1))
		# a create that failed leaves nothing, a deleted container neither
		[ -z "$(ls -A "$ROOT")" ] || {
			echo "state left after cycle $i: $(ls -A "$ROOT")" >&2
			return 1
		}
	done
	echo "$ok runs, $failed failed creates in $((SECONDS - t0)) s" >&2
	[ "$ok" -ge 95 ]
	# nothing the containers mounted reached the shared volume on the host
	[ -z "$(ls -A "$SEC/vol/sub")" ]
	diff "$T/mountinfo.with-vol" <(host_mountinfo)
}

@test "runc v1.5.3 (§2.9): a container without a mount namespace leaves the caller's mounts and the propagation of / alone (in a private mount namespace)" {
	remove_namespace mount
	set_args true
	# Whatever hull does to the mount table here happens in a private copy of the host's mount
	# namespace, held by a sleeping process, so the machine is never at risk: every mount of the
	# copy is made private (nothing propagates back to the host), then shared again in peer
	# groups of its own, so that a change to slave or private shows.
	spawn_ns_holder --mount --propagation private
	nsenter --target "$HOLDER" --mount -- mount --make-rshared /
	local before after
	before="$(ns_mount_table "$HOLDER")"
	status=0
	nsenter --target "$HOLDER" --mount -- "$HULL" --root "$ROOT" run --bundle "$BUNDLE" nomnt \
		</dev/null >/dev/null 2>"$T/err" || status=$?
	echo "run: status $status $(cat "$T/err")" >&2
	nsenter --target "$HOLDER" --mount -- "$HULL" --root "$ROOT" delete --force nomnt >/dev/null 2>&1 || true
	after="$(ns_mount_table "$HOLDER")"
	[ "$before" = "$after" ] || {
		echo "the mount namespace hull ran in changed:" >&2
		diff <(echo "$before") <(echo "$after") >&2 || true
		return 1
	}
}

@test "own mount namespace (§2.9, as ns::is_own_namespace for sysctls): a mount namespace joined by path that is the runtime's own is refused before any side effect (in a private mount namespace)" {
	set_args true
	# The runtime runs in the holder's private copy of the host's mount namespace and the config
	# names that same namespace: a pivot there would replace / for every process in it.
	spawn_ns_holder --mount --propagation private
	add_namespace mount "/proc/$HOLDER/ns/mnt"
	local before after
	before="$(ns_mount_table "$HOLDER")"
	status=0
	nsenter --target "$HOLDER" --mount -- "$HULL" --root "$ROOT" create --bundle "$BUNDLE" ownmnt \
		</dev/null >/dev/null 2>"$T/err" || status=$?
	after="$(ns_mount_table "$HOLDER")"
	echo "create: status $status $(cat "$T/err")" >&2
	nsenter --target "$HOLDER" --mount -- "$HULL" --root "$ROOT" delete --force ownmnt >/dev/null 2>&1 || true
	[ "$status" -ne 0 ]
	grep -qF "/path: /proc/$HOLDER/ns/mnt is the runtime's own mount namespace" "$T/err"
	[ "$before" = "$after" ] || {
		echo "the caller's mount namespace changed:" >&2
		diff <(echo "$before") <(echo "$after") >&2 || true
		return 1
	}
	no_state_left
	no_container_process ownmnt
}

# ns_mount_table PID: mount point, root, per-mount options and propagation of every mount in the
# mount namespace of PID, in order.
ns_mount_table() {
	awk '{ opt = ""; for (i = 7; $i != "-"; i++) opt = opt " " $i; print $5, $4, $6, opt }' "/proc/$1/mountinfo"
}
