#!/usr/bin/env bats
# security.md P1 and §2.1 (CVE-2019-5736): a container must never reach the host hull binary
# through /proc/<pid>/exe. hull's init is a clone of the runtime and an exec child a fork of it,
# so create, run and exec first re-execute from a sealed copy (src/selfexe/selfexe.hpp): a
# detached read-only overlayfs when it can mount one, else a sealed memfd, else an unlinked
# temporary copy (HULL_EXESEAL=memfd|tmpfile starts the list further down).
#
# Every runtime call here goes through a private copy of the binary ($HULL, fresh per test): the
# attacks below succeed against an unprotected build and must not destroy the build's binary.
# Both the copy and the original ($HULL_ORIGINAL) must keep their sha256 through every test.

load ../helpers

setup_file() {
	hull_setup_file
	export HULL_ORIGINAL="$HULL"
	HULL_ORIGINAL_SHA="$(sha256sum <"$HULL_ORIGINAL")"
	export HULL_ORIGINAL_SHA
	PROBE="$BATS_FILE_TMPDIR/exe-probe"
	gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o "$PROBE" "$BATS_TEST_DIRNAME/exe_probe.c" >&2
	cp "$PROBE" "$HULL_BUNDLE_CACHE/rootfs/bin/exe-probe"
	export PROBE
}

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp "$HULL_ORIGINAL" "$BATS_TEST_TMPDIR/bin/hull"
	chmod 0755 "$BATS_TEST_TMPDIR/bin/hull"
	export HULL="$BATS_TEST_TMPDIR/bin/hull"
	HULL_SHA="$(sha256sum <"$HULL")"
	HOST_DEVINO="$(stat -c '%d:%i' "$HULL")"
	hull_setup
	T="$BATS_TEST_TMPDIR"
}

teardown() {
	local failed=0
	if [ "$(sha256sum <"$HULL")" != "$HULL_SHA" ]; then
		echo "teardown: the runtime binary $HULL was modified" >&2
		failed=1
		cp "$HULL_ORIGINAL" "$HULL" # so that the cleanup below still works
	fi
	if [ "$(sha256sum <"$HULL_ORIGINAL")" != "$HULL_ORIGINAL_SHA" ]; then
		echo "teardown: the build's binary $HULL_ORIGINAL was modified" >&2
		failed=1
	fi
	hull_teardown || failed=1
	return "$failed"
}

# ---- helpers -------------------------------------------------------------------------------------

# assert_sealed INFO: an `exe-probe info` line for a sealed copy: never the host binary's
# dev:ino; a memfd with the four base seals (F_SEAL_SEAL|SHRINK|GROW|WRITE = 0xf) or a read-only
# overlayfs inode.
assert_sealed() {
	local info="$1" seals
	if [[ "$info" == *"devino=$HOST_DEVINO "* ]]; then
		echo "runs the host binary ($HOST_DEVINO): $info" >&2
		return 1
	fi
	if [[ "$info" == "link=/memfd:"* ]]; then
		seals="$(sed -n 's/.* seals=\(0x[0-9a-f]*\) .*/\1/p' <<<"$info")"
		if [ -z "$seals" ] || (((seals & 0xf) != 0xf)); then
			echo "memfd without the base seals: $info" >&2
			return 1
		fi
	elif [[ "$info" != *" overlay=1 ro=1" ]]; then
		echo "neither a sealed memfd nor a read-only overlay: $info" >&2
		return 1
	fi
}

# exe_info PID: `exe-probe info` of /proc/PID/exe, seen from the host.
exe_info() {
	"$PROBE" info "/proc/$1/exe"
}

# wait_for_cmdline PID PREFIX: poll until PID's argv[0] is PREFIX (it has executed).
wait_for_cmdline() {
	for _ in $(seq 100); do
		[ "$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n1)" = "$2" ] && return 0
		sleep 0.05
	done
	echo "process $1 never ran $2 (argv: $(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null))" >&2
	return 1
}

# wait_gone PID: poll until the process is gone or a zombie.
wait_gone() {
	wait_pid_gone "$1" "" 200
}

# strong_caps: the container may ptrace and read anything of its own (the strongest attacker
# short of a user namespace).
strong_caps() {
	update_config '.process.capabilities |= with_entries(
		if (.key | IN("bounding", "effective", "permitted"))
		then .value = (.value + ["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN"] | unique)
		else . end)'
}

# shebang_entry: /entry.sh, run as `#!/proc/self/exe --root`, so that the kernel executes
# whatever its execve caller runs from as `<exe> --root /entry.sh ARGS...`. With ARGS
# `--log /release state x`, hull then blocks opening its log, the fifo /release, until a reader
# drains it: the process stays there to be looked at, deterministically.
shebang_entry() {
	printf '#!/proc/self/exe --root\n' >"$BUNDLE/rootfs/entry.sh"
	chmod 0755 "$BUNDLE/rootfs/entry.sh"
	mkfifo "$BUNDLE/rootfs/release"
}

# assert_probe_held FILE: exe-probe hold wrote FILE: it got the handle, both writes failed.
assert_probe_held() {
	local out
	out="$(cat "$1")"
	if ! grep -q '^append=' <<<"$out" || grep -q '=ok$' <<<"$out"; then
		echo "the probe wrote through the exe (or never got to try): $out" >&2
		return 1
	fi
	assert_sealed "$(head -n1 <<<"$out")"
}

# created_init_is_sealed ID: create a sleeping container, check its init's exe from the host,
# then hold it (the CVE's O_PATH handle) across `delete --force` and try to write through it.
created_init_is_sealed() {
	local id="$1" pid
	create_container "$id" sleep 100
	pid="$(state_field "$id" pid)"
	assert_sealed "$(exe_info "$pid")"
	"$PROBE" hold "$pid" >"$T/hold.out" 2>&1 &
	local probe=$!
	wait_for_file_text "$T/hold.out" "link="
	hull delete --force "$id"
	wait "$probe" || {
		echo "probe: $(cat "$T/hold.out")" >&2
		return 1
	}
	assert_probe_held "$T/hold.out"
}

# ---- the init ------------------------------------------------------------------------------------

@test "created: the init runs from a sealed copy (default method: overlay, else memfd)" {
	created_init_is_sealed p1-default
}

@test "created: HULL_EXESEAL=memfd runs the init from a sealed memfd" {
	HULL_EXESEAL=memfd created_init_is_sealed p1-memfd
	HULL_EXESEAL=memfd create_container p1-memfd2 sleep 100
	local info
	info="$(exe_info "$(state_field p1-memfd2 pid)")"
	[[ "$info" == "link=/memfd:hull_cloned (deleted) "* ]]
	# F_SEAL_EXEC (0x20) too on Linux 6.3 and later (which then adds F_SEAL_FUTURE_WRITE, 0x10)
	local seals
	seals="$(sed -n 's/.* seals=\(0x[0-9a-f]*\) .*/\1/p' <<<"$info")"
	(((seals & 0xf) == 0xf))
	if [ "$(printf '%s\n' 6.3 "$(uname -r)" | sort -V | head -n1)" = 6.3 ]; then
		(((seals & 0x20) == 0x20))
	fi
}

@test "created: HULL_EXESEAL=tmpfile runs the init from an unlinked copy, not the host binary" {
	HULL_EXESEAL=tmpfile create_container p1-tmp sleep 100
	local pid info
	pid="$(state_field p1-tmp pid)"
	info="$(exe_info "$pid")"
	[[ "$info" != *"devino=$HOST_DEVINO "* ]]
	[[ "$info" == *" (deleted) "* ]]
	[[ "$info" == *" nlink=0 "* ]]
	# Not sealable: a write may reach the copy, never the host binary (checked at teardown).
	"$PROBE" hold "$pid" >"$T/hold.out" 2>&1 &
	local probe=$!
	wait_for_file_text "$T/hold.out" "link="
	hull delete --force p1-tmp
	wait "$probe" || true
}

# ---- #!/proc/self/exe ----------------------------------------------------------------------------

# shebang_init_attack: the entrypoint is `#!/proc/self/exe`; a container process holds the
# resulting process's exe (O_PATH) and tries to write through it once the process is gone.
shebang_init_attack() {
	! hull_dynamic || skip "$HULL is dynamically linked (an ASan build): /proc/self/exe cannot run in a rootfs without its loader, so there is nothing to attack"
	# No pid namespace, so that the probe outlives the init it attacks.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	strong_caps
	shebang_entry
	create_container shebang /entry.sh --log /release state x
	hull start shebang
	local pid
	pid="$(state_field shebang pid)"
	wait_for_cmdline "$pid" /proc/self/exe
	# The container's process is hull code now, but not the host's inode.
	assert_sealed "$(exe_info "$pid")"
	# From inside: hold its exe with O_PATH, let it exit, then reopen the handle for writing.
	hull exec -d --pid-file "$T/probe.pid" shebang /bin/exe-probe hold "$pid" /release \
		</dev/null >"$T/probe.out" 2>&1
	wait_gone "$(cat "$T/probe.pid")"
	assert_probe_held "$T/probe.out"
}

# shebang_exec_attack: the same through `exec`. The kernel resolves the interpreter
# /proc/self/exe in the exec child, so the process runs exactly what the exec child ran from
# while it set itself up in the container.
shebang_exec_attack() {
	! hull_dynamic || skip "$HULL is dynamically linked (an ASan build): /proc/self/exe cannot run in a rootfs without its loader, so there is nothing to attack"
	strong_caps
	shebang_entry
	start_container ex sleep 100
	hull exec -d --pid-file "$T/shebang.pid" ex /entry.sh --log /release state x \
		</dev/null >/dev/null 2>"$T/shebang.err"
	local pid inner
	pid="$(cat "$T/shebang.pid")"
	wait_for_cmdline "$pid" /proc/self/exe
	assert_sealed "$(exe_info "$pid")"
	# From inside the container (its pid there), the same attack as above.
	inner="$(awk '/^NSpid:/ {print $NF}' "/proc/$pid/status")"
	hull exec -d --pid-file "$T/probe.pid" ex /bin/exe-probe hold "$inner" /release \
		</dev/null >"$T/probe.out" 2>&1
	wait_gone "$(cat "$T/probe.pid")"
	assert_probe_held "$T/probe.out"
}

@test "#!/proc/self/exe entrypoint: the container runs a sealed copy and cannot write it" {
	shebang_init_attack
}

@test "#!/proc/self/exe entrypoint, HULL_EXESEAL=memfd: the same with the memfd copy" {
	HULL_EXESEAL=memfd shebang_init_attack
	[[ "$(head -n1 "$T/probe.out")" == "link=/memfd:hull_cloned "* ]]
}

@test "exec: the exec child runs from a sealed copy, which is all #!/proc/self/exe reaches" {
	shebang_exec_attack
}

@test "exec, HULL_EXESEAL=memfd: the same with the memfd copy" {
	HULL_EXESEAL=memfd shebang_exec_attack
	[[ "$(head -n1 "$T/probe.out")" == "link=/memfd:hull_cloned "* ]]
}

# ---- the runtime process itself ------------------------------------------------------------------

@test "run: the foreground runtime runs sealed, keeps its pid and its name" {
	set_args sleep 100
	"$HULL" --root "$ROOT" run --bundle "$BUNDLE" fg </dev/null >/dev/null 2>&1 &
	local pid=$!
	wait_for_status fg running
	track_container fg
	assert_sealed "$(exe_info "$pid")"
	[ "$(cat "/proc/$pid/comm")" = hull ]
	# the marker of the re-exec is not passed on
	[ "$(tr "\0" "\n" <"/proc/$(state_field fg pid)/environ" | grep -c EXESEAL)" = 0 ]
	hull kill fg KILL
	wait "$pid" || true
}

@test "only create, run, exec and restore re-execute; other verbs run the binary as it is" {
	HULL_EXESEAL=bogus run hull run --bundle "$BUNDLE" nope
	[ "$status" -ne 0 ]
	assert_output_contains "HULL_EXESEAL=bogus"
	HULL_EXESEAL=bogus run hull exec nope true
	[ "$status" -eq 255 ]
	assert_output_contains "HULL_EXESEAL=bogus"
	for args in "list" "state nope" "--version" "spec --bundle $T" "features"; do
		# shellcheck disable=SC2086
		HULL_EXESEAL=bogus run hull $args
		[[ "$output" != *"HULL_EXESEAL"* ]]
	done
}

@test "a forged re-exec marker does not skip the protection" {
	_HULL_EXESEAL=memfd:hull run hull run --bundle "$BUNDLE" forged
	[ "$status" -ne 0 ]
	assert_output_contains "not sealed"
	_HULL_EXESEAL=overlay:hull run hull run --bundle "$BUNDLE" forged
	[ "$status" -ne 0 ]
	assert_output_contains "not sealed"
}
