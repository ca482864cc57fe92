#!/usr/bin/env bats
# Escape battery, docs/security.md §3.8: the symlink-exchange race harness for CVE-2021-30465
# (mount destinations swapped between check and mount), CVE-2024-45310 (mkdir-all and file
# mountpoints through a swapped symlink) and CVE-2025-52881 (mounts and /proc writes redirected
# through a shared volume). The battery's only timing-based test: its iteration count is bounded
# (200 runs, cut short at 45 s once 50 have run, at 180 s in any case: a sanitizer build beside
# other suites on two cores needs the longer budget), and the deterministic pre-planted variants
# of the same classes are in rootfs_paths.bats. Defences: P5, P6, P8, P9, P10.

load ../helpers
load ../spec/spec_helpers
load security_helpers

RACE_RUNS=200
RACE_MIN_RUNS=50
RACE_SECONDS=45
RACE_MAX_SECONDS=180

setup_file() {
	hull_setup_file
}

setup() {
	sec_setup
}

teardown() {
	sec_teardown
}

@test "CVE-2021-30465 / CVE-2024-45310 / CVE-2025-52881 (§3.8): 200 runs with mounts and a sysctl through a volume a host flipper swaps with symlinks (RENAME_EXCHANGE)" {
	# The shared volume S, bind-mounted at /shared. The flipper swaps
	#   S/mnt (a directory)  with  S/link -> <sentinel>   (a host path outside the bundle)
	#   S/p   (a directory)  with  S/plink -> /proc/sys   (the procfs that sysctls are written to)
	# while every run mounts a tmpfs (44k) at /shared/mnt/x, binds a host file at /shared/mnt/f,
	# mounts a tmpfs (48k) at /shared/p and writes kernel.shmmax through the container's procfs.
	local S="$SEC/shared" value=123456789 i ok=0 failed=0 t0=$SECONDS
	mkdir -p "$S/mnt" "$S/p"
	ln -s "$SENTINEL" "$S/link"
	ln -s /proc/sys "$S/plink"
	echo bound >"$SEC/file"
	jq_config --arg s "$S" --arg f "$SEC/file" --arg v "$value" '.mounts += [
		{"destination": "/shared", "type": "bind", "source": $s, "options": ["bind"]},
		{"destination": "/shared/mnt/x", "type": "tmpfs", "source": "tmpfs", "options": ["size=44k"]},
		{"destination": "/shared/mnt/f", "type": "bind", "source": $f, "options": ["bind", "ro"]},
		{"destination": "/shared/p", "type": "tmpfs", "source": "tmpfs", "options": ["size=48k"]}]
		| .linux.sysctl = {"kernel.shmmax": $v}
		| .process.args = ["sh", "-c", "cat /proc/sys/kernel/shmmax; cat /proc/self/mountinfo"]'
	spawn_bg "$HULL_CHECKER" exchange 120 "$S/mnt" "$S/link" "$S/p" "$S/plink" >"$T/flipper.out" 2>&1
	local flipper=$BG_PID
	for i in $(seq "$RACE_RUNS"); do
		[ $((SECONDS - t0)) -lt "$RACE_SECONDS" ] || [ $((i - 1)) -lt "$RACE_MIN_RUNS" ] || break
		[ $((SECONDS - t0)) -lt "$RACE_MAX_SECONDS" ] || break
		sec_run_config "race$i"
		if [ "$status" -ne 0 ]; then
			# refusing is always allowed (P9 refuses /shared/p while it is the link to /proc/sys)
			failed=$((failed + 1))
			continue
		fi
		ok=$((ok + 1))
		# the sysctl went to the container's own procfs, with the value asked for
		[ "$(head -n1 <<<"$output")" = "$value" ] || {
			echo "run $i: kernel.shmmax is $(head -n1 <<<"$output")" >&2
			return 1
		}
		# both tmpfs mounts are in the container's own mount table, so inside its root, and
		# neither covers /proc/sys
		grep -Eq ' - tmpfs [^ ]+ [^ ]*size=44k' <<<"$output" || {
			echo "run $i: the 44k tmpfs is not inside the container:" >&2
			echo "$output" >&2
			return 1
		}
		grep -Eq ' - tmpfs [^ ]+ [^ ]*size=48k' <<<"$output" || {
			echo "run $i: the 48k tmpfs is not inside the container" >&2
			return 1
		}
		if awk '$5 == "/proc/sys" && / - tmpfs /' <<<"$output" | grep -q .; then
			echo "run $i: a tmpfs covers /proc/sys" >&2
			return 1
		fi
		# nothing was made outside the bundle (also checked by the harness at teardown)
		assert_sentinel_untouched
	done
	kill -TERM "$flipper"
	wait "$flipper" || true
	local swaps
	swaps="$(jq -r .swaps "$T/flipper.out")"
	echo "$i runs in $((SECONDS - t0)) s: $ok ran, $failed refused; the flipper made $swaps swaps" >&2
	# the harness did what it claims: runs happened, the flipper flipped, and some runs went through
	[ "$swaps" -gt 1000 ]
	[ "$ok" -gt 0 ]
	[ $((ok + failed)) -ge "$RACE_MIN_RUNS" ]
	# S is as the flipper found it
	[ -d "$S/mnt" ] && [ ! -L "$S/mnt" ] && [ -L "$S/link" ]
	# the host's sysctl was not written
	[ "$(cat /proc/sys/kernel/shmmax)" != "$value" ]
}
