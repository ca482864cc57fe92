#!/usr/bin/env bats
# runtime-spec config.md "POSIX-platform Hooks" and runtime.md "Lifecycle": every hook kind runs,
# in order, in the right namespaces, with the state on stdin and its args/env exactly; timeouts
# and failures are handled as the lifecycle says; hook paths are validated.
#
# Host hooks are a script, $T/hooks/hook.sh NAME, that appends NAME to $LOG, saves its stdin to
# $T/hooklog/state-NAME.json and its mount namespace to $T/hooklog/ns-NAME. $T/hooklog is
# bind-mounted at /hooklog in the container, so startContainer hooks (resolved inside the
# container) and the container's program log to the same file.

load ../helpers
load spec_helpers

setup_file() {
	hull_setup_file
}

setup() {
	spec_setup
	mkdir -p "$T/hooks" "$T/hooklog"
	LOG="$T/hooklog/log"
	HOOK="$T/hooks/hook.sh"
	cat >"$HOOK" <<EOF
#!/bin/sh
cat >"$T/hooklog/state-\$1.json"
readlink /proc/self/ns/mnt >"$T/hooklog/ns-\$1"
echo "\$1" >>"$LOG"
EOF
	chmod 0755 "$HOOK"
	add_mount "{\"destination\": \"/hooklog\", \"type\": \"bind\", \"source\": \"$T/hooklog\", \"options\": [\"rbind\"]}"
	update_config '.annotations = {"org.example.hook": "yes"}'
}

teardown() {
	spec_teardown
}

# host_hook KIND [NAME]: append a host hook.sh hook to hooks.KIND, logging NAME (default KIND).
host_hook() {
	local name="${2:-$1}"
	update_config ".hooks.$1 += [{\"path\": \"$HOOK\", \"args\": [\"hook.sh\", \"$name\"]}]"
}

# start_hook: a startContainer hook run by the container's /bin/sh.
start_hook() {
	update_config '.hooks.startContainer += [{"path": "/bin/sh", "args": ["sh", "-c",
		"cat >/hooklog/state-startContainer.json; readlink /proc/self/ns/mnt >/hooklog/ns-startContainer; echo startContainer >>/hooklog/log"]}]'
}

# all_hooks: one hook of every kind.
all_hooks() {
	host_hook prestart
	host_hook createRuntime
	host_hook createContainer
	start_hook
	host_hook poststart
	host_hook poststop
}

# program_logs: the container program appends "program" to the log, then sleeps.
program_logs() {
	set_args sh -c 'echo program >>/hooklog/log; exec sleep 100'
}

log_lines() {
	tr '\n' ' ' <"$LOG" 2>/dev/null | sed 's/ $//'
}

# ---- order ---------------------------------------------------------------------------------------

@test "create runs prestart, createRuntime and createContainer, in that order" {
	all_hooks
	program_logs
	create_container hk
	[ "$(head -n3 "$LOG" | tr '\n' ' ')" = "prestart createRuntime createContainer " ]
	if grep -qx program "$LOG"; then
		echo "the program ran at create" >&2
		return 1
	fi
}

@test "start runs startContainer before the user program" {
	all_hooks
	program_logs
	create_container hk
	hull start hk
	wait_for_file_text "$LOG" program
	[ "$(grep -xE 'startContainer|program' "$LOG" | tr '\n' ' ')" = "startContainer program " ]
}

@test "the hooks run in the order of runtime.md: prestart ... poststart, then poststop at delete" {
	skip_if_runc "runc 1.1 runs poststart at the end of create, before startContainer"
	all_hooks
	program_logs
	create_container hk
	[ "$(log_lines)" = "prestart createRuntime createContainer" ]
	hull start hk
	# poststart runs after the program is executed and before start returns
	grep -qx poststart "$LOG"
	hull delete --force hk
	[ "$(grep -vx program "$LOG" | tr '\n' ' ')" = "prestart createRuntime createContainer startContainer poststart poststop " ]
}

@test "poststop runs on delete, not before" {
	host_hook poststop
	program_logs
	start_container hk
	hull kill hk KILL
	wait_for_status hk stopped
	if grep -qx poststop "$LOG"; then
		echo "poststop ran before delete" >&2
		return 1
	fi
	hull delete hk
	grep -qx poststop "$LOG"
}

@test "poststop runs when a foreground run ends" {
	host_hook poststop
	set_args true
	hull run --bundle "$BUNDLE" hk </dev/null
	grep -qx poststop "$LOG"
}

@test "a foreground run whose prestart hook does not read the state ends with its program's status" {
	# The state is larger than a pipe holds, so hull's write to the hook's stdin meets EPIPE
	# every time, not only when the hook exits first. The poststart hook gives the program time
	# to exit before the run supervises it.
	update_config '.annotations["org.example.big"] = ("x" * 131072)
		| .hooks.prestart = [{"path": "/bin/true"}] | .hooks.poststart = [{"path": "/bin/sleep", "args": ["sleep", "1"]}]'
	set_args true
	run hull run --bundle "$BUNDLE" hk </dev/null
	[ "$status" -eq 0 ] || { echo "run exited with status $status: $output" >&2; return 1; }
}

# ---- state on stdin ------------------------------------------------------------------------------

@test "every hook gets the state JSON on stdin: ociVersion, id, bundle, annotations" {
	all_hooks
	program_logs
	start_container hk
	hull delete --force hk
	local bundle kind
	bundle="$(readlink -f "$BUNDLE")"
	for kind in prestart createRuntime createContainer startContainer poststart poststop; do
		jq -e --arg b "$bundle" '.id == "hk" and .bundle == $b and (.ociVersion | length > 0)
			and .annotations["org.example.hook"] == "yes"' "$T/hooklog/state-$kind.json" || {
			echo "$kind got: $(cat "$T/hooklog/state-$kind.json")" >&2
			return 1
		}
	done
}

@test "create-time hooks see status creating; runtime-namespace ones the container's host pid" {
	all_hooks
	program_logs
	create_container hk
	local pid kind
	pid="$(state_field hk pid)"
	for kind in prestart createRuntime createContainer; do
		jq -e '.status == "creating" and (.pid | type == "number" and . > 0)' "$T/hooklog/state-$kind.json"
	done
	for kind in prestart createRuntime; do
		[ "$(jq .pid "$T/hooklog/state-$kind.json")" = "$pid" ]
	done
}

@test "poststop sees status stopped" {
	host_hook poststop
	program_logs
	start_container hk
	hull delete --force hk
	jq -e '.status == "stopped"' "$T/hooklog/state-poststop.json"
}

@test "poststart sees status running and the container's pid" {
	skip_if_runc "runc 1.1 runs poststart at create (status created)"
	host_hook poststart
	program_logs
	start_container hk
	jq -e --argjson p "$(state_field hk pid)" '.status == "running" and .pid == $p' \
		"$T/hooklog/state-poststart.json"
}

# ---- namespaces ----------------------------------------------------------------------------------

@test "createContainer and startContainer run in the container's mount namespace" {
	all_hooks
	program_logs
	create_container hk
	hull start hk
	wait_for_file_text "$LOG" program
	local ns
	ns="$(readlink "/proc/$(state_field hk pid)/ns/mnt")"
	[ "$(cat "$T/hooklog/ns-createContainer")" = "$ns" ]
	[ "$(cat "$T/hooklog/ns-startContainer")" = "$ns" ]
}

@test "createContainer hooks start in the rootfs, its mounts in place (as runc): a relative path reaches the container" {
	update_config '.hooks.createContainer += [{"path": "/bin/sh", "args": ["sh", "-c",
		"pwd -P >./hooklog/cwd-createContainer && touch ./tmp/rel-from-hook"]}]'
	run_sh 'ls /tmp/rel-from-hook'
	assert_status 0
	# ./hooklog is the config's bind of $T/hooklog, so the mounts are in place
	[ "$(cat "$T/hooklog/cwd-createContainer")" = "$(cd "$BUNDLE/rootfs" && pwd -P)" ]
}

@test "prestart, createRuntime, poststart and poststop run in the runtime's mount namespace" {
	all_hooks
	program_logs
	start_container hk
	hull delete --force hk
	local host kind
	host="$(readlink /proc/self/ns/mnt)"
	for kind in prestart createRuntime poststart poststop; do
		[ "$(cat "$T/hooklog/ns-$kind")" = "$host" ] || {
			echo "$kind ran in $(cat "$T/hooklog/ns-$kind"), not $host" >&2
			return 1
		}
	done
}

@test "startContainer: the hook path is resolved inside the container" {
	# a program that exists only in the container's rootfs
	printf '#!/bin/sh\necho inside-hook >>/hooklog/log\n' >"$BUNDLE/rootfs/bin/only-inside-hook"
	chmod 0755 "$BUNDLE/rootfs/bin/only-inside-hook"
	[ ! -e /bin/only-inside-hook ]
	update_config '.hooks.startContainer = [{"path": "/bin/only-inside-hook"}]'
	program_logs
	start_container hk
	wait_for_file_text "$LOG" program
	[ "$(log_lines)" = "inside-hook program" ]
}

# ---- args, env -----------------------------------------------------------------------------------

@test "args and env reach the hook exactly (argv[0] included)" {
	# the hook is busybox run as "sh" (so argv[0] matters); it dumps its own argv and environ
	local script
	# (one cp: after busybox sh has forked once, its /proc/PID/{cmdline,environ} read empty)
	script="cp /proc/\$\$/cmdline /proc/\$\$/environ $T/hooklog/"
	jq --arg s "$script" '.hooks.prestart = [{path: "/bin/busybox",
		args: ["sh", "-c", $s, "x", "two words", ""], env: ["HOOK_A=1", "HOOK_B=two words"]}]' \
		"$BUNDLE/config.json" >"$T/config.json"
	mv "$T/config.json" "$BUNDLE/config.json"
	set_args true
	hull run --bundle "$BUNDLE" hk </dev/null
	[ "$(tr '\0' '\n' <"$T/hooklog/cmdline" | jq -R . | jq -s -c .)" = "$(jq -c '.hooks.prestart[0].args' "$BUNDLE/config.json")" ]
	[ "$(tr '\0' '\n' <"$T/hooklog/environ")" = "$(printf 'HOOK_A=1\nHOOK_B=two words')" ]
}

@test "startContainer: a hook without env gets the process's environment, one with env its own" {
	# runc's SetDefaultEnv: the process env as the init execs it (deduplicated, HOME filled in)
	update_config '.process.env = ["ONE=one", "ONE=two", "FOO=bar", "PATH=/bin"]
		| .hooks.startContainer = [
			{"path": "/bin/sh", "args": ["sh", "-c", "env >/hooklog/env-default"]},
			{"path": "/bin/sh", "args": ["sh", "-c", "env >/hooklog/env-own"], "env": ["OWN=1"]}]'
	set_args true
	hull run --bundle "$BUNDLE" hk-env </dev/null
	grep -qx 'ONE=two' "$T/hooklog/env-default"
	grep -qx 'FOO=bar' "$T/hooklog/env-default"
	grep -qx 'HOME=/root' "$T/hooklog/env-default"
	! grep -qx 'ONE=one' "$T/hooklog/env-default"
	grep -qx 'OWN=1' "$T/hooklog/env-own"
	! grep -q '^ONE=' "$T/hooklog/env-own"
}

@test "startContainer: the hook runs under the container's seccomp filter, with or without noNewPrivileges" {
	# runtime.md: the hook runs after start, before the user program; runc loads the filter before
	# it in either order, so a hook the profile blocks fails the start
	local nnp
	for nnp in true false; do
		update_config '.process.noNewPrivileges = '"$nnp"'
			| .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
				"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]}
			| .hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /dev/shm/hooked"]}]'
		set_args true
		status=0
		output="$(hull run --bundle "$BUNDLE" "hk-sc-$nnp" </dev/null 2>&1)" || status=$?
		echo "noNewPrivileges $nnp: status $status: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"error running startContainer hook #0"*"bad system call"* ]]
		no_state_left
		# create + start: start succeeds (the init took the byte), the container ends stopped
		create_container "hk-cs-$nnp"
		hull start "hk-cs-$nnp"
		wait_for_status "hk-cs-$nnp" stopped
		grep -q "bad system call" "$T/hk-cs-$nnp.err"
		hull delete "hk-cs-$nnp"
	done
}

# ---- timeouts and failures -----------------------------------------------------------------------

@test "timeout: a hook that runs too long is killed and create fails, nothing left behind" {
	local id="hk-timeout-$$"
	update_config '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "37.5"], "timeout": 1}]'
	set_args true
	local t0=$SECONDS
	try_create "$id"
	[ "$status" -ne 0 ]
	[ $((SECONDS - t0)) -lt 20 ]
	nothing_left "$id"
	if pgrep -f "sleep 37.5" >/dev/null; then
		echo "the hook is still running" >&2
		return 1
	fi
}

@test "a failing prestart hook fails create, nothing left behind" {
	local id="hk-fail-prestart-$$"
	update_config '.hooks.prestart = [{"path": "/bin/false"}]'
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	nothing_left "$id"
}

@test "after a failing create-time hook the container is destroyed and poststop runs (steps 12, 13)" {
	local id="hk-fail-poststop-$$"
	update_config '.hooks.prestart = [{"path": "/bin/false"}]'
	host_hook poststop
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	grep -qx poststop "$LOG"
	nothing_left "$id"
}

@test "a failing createRuntime hook fails create in runc's words, nothing left behind" {
	local id="hk-fail-createruntime-$$"
	update_config '.hooks.createRuntime = [{"path": "/bin/true"}, {"path": "/bin/false"}]'
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"error running createRuntime hook #1: "* ]]
	nothing_left "$id"
}

@test "a failing createContainer hook fails create, nothing left behind" {
	local id="hk-fail-createcontainer-$$"
	update_config '.hooks.createContainer = [{"path": "/bin/false"}]'
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	nothing_left "$id"
}

@test "a failing hook stops the later hooks of the same kind" {
	local id="hk-fail-chain-$$"
	update_config '.hooks.createRuntime = [{"path": "/bin/false"}]'
	host_hook createRuntime second
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	if grep -qx second "$LOG"; then
		echo "the hook after the failing one ran" >&2
		return 1
	fi
	nothing_left "$id"
}

@test "a failing poststart hook fails run -d and stops the container (as runc does)" {
	local id="hk-fail-poststart-$$"
	update_config '.hooks.poststart = [{"path": "/bin/false"}]'
	set_args sleep 100
	local rc=0
	hull run -d --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" -ne 0 ]
	no_container_process "$id"
	[ "$(status_of "$id")" != running ]
	hull delete --force "$id" 2>/dev/null || true
	nothing_left "$id"
}

@test "a failing poststop hook only warns: delete succeeds and removes the container" {
	update_config '.hooks.poststop = [{"path": "/bin/false"}]'
	start_container hk sleep 100
	hull kill hk KILL
	wait_for_status hk stopped
	run hull delete hk
	assert_status 0
	[ "$(status_of hk)" = missing ]
	no_state_left
}

@test "a failing poststop hook: the remaining poststop hooks still run (runtime.md step 13)" {
	skip_if_runc "runc 1.1 stops at the first failing poststop hook"
	update_config '.hooks.poststop = [{"path": "/bin/false"}]'
	host_hook poststop second
	start_container hk sleep 100
	run hull delete --force hk
	assert_status 0
	grep -qx second "$LOG"
	no_state_left
}

# ---- path validation -----------------------------------------------------------------------------

@test "a hook with a relative path is refused at create, nothing left behind" {
	local id="hk-relative-$$"
	update_config '.hooks.createRuntime = [{"path": "bin/true"}]'
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	nothing_left "$id"
}

@test "a hook with a relative path: the error names /hooks/createRuntime/0/path" {
	skip_if_runc "runc 1.1 does not validate hook paths (fails at exec)"
	local id="hk-relative-$$"
	update_config '.hooks.createRuntime = [{"path": "bin/true"}]'
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	assert_output_contains /hooks/createRuntime/0/path
	nothing_left "$id"
}
