#!/usr/bin/env bats
# The container lifecycle of the OCI runtime spec (runtime.md: create, start, kill, delete, state)
# with runc's per-state behaviour (docs/cli-contract.md §4, §7, §8, §9), `run`, `list`, and what
# the container sees from inside (checked with hull-checker).

load helpers

setup_file() {
	hull_setup_file
}

setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
}

teardown() {
	hull_teardown
}

# mount_has MOUNTPOINT FSTYPE|"" OPTION...: the checker saw MOUNTPOINT (topmost entry) with that
# file-system type and all those per-mount options.
mount_has() {
	local mp="$1" fs="$2" opts
	shift 2
	opts="$(printf '%s\n' "$@" | jq -R . | jq -s -c 'map(select(. != ""))')"
	jq -e --arg mp "$mp" --arg fs "$fs" --argjson opts "$opts" '
		[.mounts[] | select(.mount_point == $mp)] | last
		| . != null and ($fs == "" or .fstype == $fs)
		  and (.options as $o | $opts | all(. as $x | $o | index($x) != null))' "$CHECKER" >/dev/null || {
		echo "mount $mp: wanted type '$fs' with options $opts; saw:" >&2
		jq -c --arg mp "$mp" '.mounts[] | select(.mount_point == $mp)' "$CHECKER" >&2
		return 1
	}
}

# ---- create / state ------------------------------------------------------------------------------

@test "create: the container is created with a live init pid" {
	create_container c1 sleep 100
	run hull state c1
	assert_status 0
	[ "$(jq -r .status <<<"$output")" = created ]
	local pid
	pid="$(jq -r .pid <<<"$output")"
	[ "$pid" -gt 0 ]
	[ -d "/proc/$pid" ]
	pid_is_running "$pid"
}

@test "create --pid-file: the pid file holds state.pid with no trailing newline" {
	CREATE_FLAGS=(--pid-file "$T/init.pid")
	create_container c1 sleep 100
	local pid
	pid="$(state_field c1 pid)"
	[ "$(cat "$T/init.pid")" = "$pid" ]
	# exactly the digits: no newline, nothing else
	[ "$(wc -c <"$T/init.pid")" -eq "${#pid}" ]
	if od -An -c "$T/init.pid" | grep -q '\\n'; then return 1; fi
}

@test "create --pid-file with a relative path resolves against the caller's cwd" {
	cd "$T"
	CREATE_FLAGS=(--pid-file rel.pid)
	create_container c1 sleep 100
	[ "$(cat "$T/rel.pid")" = "$(state_field c1 pid)" ]
}

@test "state: the JSON has the OCI fields with absolute paths and an RFC 3339 created time" {
	create_container c1 sleep 100
	run hull state c1
	assert_status 0
	local bundle
	bundle="$(readlink -f "$BUNDLE")"
	jq -e --arg b "$bundle" '
		(.ociVersion | type == "string" and length > 0)
		and .id == "c1" and (.pid | type == "number")
		and .status == "created" and .bundle == $b and .rootfs == ($b + "/rootfs")
		and .owner == ""' <<<"$output"
	assert_rfc3339 "$(jq -r .created <<<"$output")"
	# the keys come in runc's order (annotations left out when empty)
	[ "$(jq -c 'keys_unsorted' <<<"$output")" = '["ociVersion","id","pid","status","bundle","rootfs","created","owner"]' ]
}

@test "state: ociVersion is the runtime's 1.3.0, not the bundle's" {
	skip_if_runc "runc 1.1 reports 1.0.2-dev"
	update_config '.ociVersion = "1.0.2"'
	create_container c1 sleep 100
	[ "$(state_field c1 ociVersion)" = 1.3.0 ]
}

@test "state: no trailing newline after the JSON" {
	create_container c1 sleep 100
	hull state c1 >"$T/state.json"
	[ "$(tail -c1 "$T/state.json")" = "}" ]
	jq -e . "$T/state.json" >/dev/null
}

@test "state: config annotations appear in the state" {
	update_config '.annotations = {"org.example.key": "value"}'
	create_container c1 sleep 100
	[ "$(state_field c1 'annotations["org.example.key"]')" = value ]
}

@test "create twice with the same ID fails and leaves the first container alone" {
	create_container c1 sleep 100
	local pid
	pid="$(state_field c1 pid)"
	try_create c1
	assert_status 1
	assert_output_contains "container with given ID already exists"
	[ "$(status_of c1)" = created ]
	[ "$(state_field c1 pid)" = "$pid" ]
}

# ---- start ---------------------------------------------------------------------------------------

@test "start: created -> running" {
	create_container c1 sleep 100
	run hull start c1
	assert_status 0
	[ "$(status_of c1)" = running ]
}

@test "start: the pid and its start time do not change" {
	create_container c1 sleep 100
	local pid start
	pid="$(state_field c1 pid)"
	start="$(proc_starttime "$pid")"
	hull start c1
	[ "$(state_field c1 pid)" = "$pid" ]
	[ "$(proc_starttime "$pid")" = "$start" ]
	# and it is now running the user program
	[ "$(readlink "/proc/$pid/exe")" = /bin/busybox ]
}

@test "start: the init runs the configured program only after start" {
	create_container c1 sh -c 'echo started'
	sleep 0.3
	[ ! -s "$T/c1.out" ]
	hull start c1
	wait_for_file_text "$T/c1.out" started
}

@test "create without process (runtime.md: optional at create); start fails naming /process and the container stays created" {
	skip_if_runc "runc 1.1.5 refuses a config without process at create"
	update_config 'del(.process)'
	create_container noproc
	local pid
	pid="$(state_field noproc pid)"
	[ "$(status_of noproc)" = created ]
	run hull start noproc
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: /process: process property must not be empty"* ]]
	[[ "$output" == *"noproc was created without a process"* ]]
	[ "$(status_of noproc)" = created ]
	[ "$(state_field noproc pid)" = "$pid" ]
	[ -p "$ROOT/noproc/exec.fifo" ]
	hull delete noproc
	[ "$(status_of noproc)" = missing ]
	wait_pid_gone "$pid"
	# run starts at once: refused before anything is made.
	run hull run --bundle "$BUNDLE" noproc
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: /process: process property must not be empty"* ]]
	no_state_left
}

@test "exec into a container created without process: the default process of hull spec under the flags" {
	skip_if_runc "runc 1.1.5 refuses a config without process at create"
	update_config 'del(.process)'
	create_container noproc
	run hull exec --cwd /tmp noproc sh -c 'pwd; echo "$PATH"; id -u'
	assert_status 0
	[ "$output" = "$(printf '/tmp\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n0')" ]
	[ "$(status_of noproc)" = created ]
}

@test "start twice: cannot start an already running container" {
	start_container c1 sleep 100
	run hull start c1
	assert_status 1
	assert_output_contains "cannot start an already running container"
	[ "$(status_of c1)" = running ]
}

@test "start of a stopped container: cannot start a container that has stopped" {
	start_container c1 sleep 100
	hull kill c1 KILL
	wait_for_status c1 stopped
	run hull start c1
	assert_status 1
	assert_output_contains "cannot start a container that has stopped"
}

@test "a container whose process exits is stopped with pid 0" {
	start_container c1 hull-checker exit 0
	wait_for_status c1 stopped
	[ "$(state_field c1 pid)" = 0 ]
}

# ---- kill ----------------------------------------------------------------------------------------

@test "kill KILL: running -> stopped with pid 0" {
	start_container c1 sleep 100
	local pid
	pid="$(state_field c1 pid)"
	run hull kill c1 KILL
	assert_status 0
	wait_for_status c1 stopped
	[ "$(state_field c1 pid)" = 0 ]
	wait_pid_gone "$pid"
}

@test "kill 9: a signal number works" {
	start_container c1 sleep 100
	run hull kill c1 9
	assert_status 0
	wait_for_status c1 stopped
}

@test "kill SIGKILL: a signal name with the SIG prefix works" {
	start_container c1 sleep 100
	run hull kill c1 SIGKILL
	assert_status 0
	wait_for_status c1 stopped
}

@test "kill of a created container: created -> stopped" {
	create_container c1 sleep 100
	run hull kill c1 KILL
	assert_status 0
	wait_for_status c1 stopped
	[ "$(state_field c1 pid)" = 0 ]
}

@test "kill TERM of a created container stops it (CRI stop before start)" {
	create_container c1 sleep 100
	run hull kill c1 TERM
	assert_status 0
	wait_for_status c1 stopped
	[ "$(state_field c1 pid)" = 0 ]
}

@test "kill with no signal sends SIGTERM" {
	start_container c1 hull-checker wait-signal
	wait_for_file_text "$T/c1.err" ready
	run hull kill c1
	assert_status 0
	wait_for_status c1 stopped
	jq -e '.signal == 15' "$T/c1.out"
}

@test "kill of a stopped container: container not running" {
	start_container c1 sleep 100
	hull kill c1 KILL
	wait_for_status c1 stopped
	run hull kill c1 KILL
	assert_status 1
	assert_output_contains "container not running"
}

@test "kill --all of a stopped container exits 0" {
	start_container c1 sleep 100
	hull kill c1 KILL
	wait_for_status c1 stopped
	run hull kill --all c1 KILL
	assert_status 0
}

@test "kill with an unknown signal: unknown signal" {
	start_container c1 sleep 100
	run hull kill c1 NOSUCHSIG
	assert_status 1
	assert_output_contains "unknown signal"
	[ "$(status_of c1)" = running ]
}

# ---- delete --------------------------------------------------------------------------------------

@test "delete of a running container without --force fails and leaves it running" {
	start_container c1 sleep 100
	run hull delete c1
	assert_status 1
	assert_output_contains "cannot delete container c1 that is not stopped: running"
	[ "$(status_of c1)" = running ]
}

@test "delete --force of a running container removes it and its process" {
	start_container c1 sleep 100
	local pid start
	pid="$(state_field c1 pid)"
	start="$(proc_starttime "$pid")"
	run hull delete --force c1
	assert_status 0
	[ "$(status_of c1)" = missing ]
	[ ! -e "$ROOT/c1" ]
	wait_pid_gone "$pid" "$start"
}

@test "delete of a created container (no --force) succeeds and kills the init, as runc does" {
	create_container c1 sleep 100
	local pid start
	pid="$(state_field c1 pid)"
	start="$(proc_starttime "$pid")"
	run hull delete c1
	assert_status 0
	[ "$(status_of c1)" = missing ]
	wait_pid_gone "$pid" "$start"
}

@test "delete of a stopped container removes it" {
	start_container c1 hull-checker exit 0
	wait_for_status c1 stopped
	run hull delete c1
	assert_status 0
	[ "$(status_of c1)" = missing ]
	no_state_left
}

# ---- list ----------------------------------------------------------------------------------------

@test "list: a table with the header and one row per container" {
	create_container c1 sleep 100
	start_container c2 sleep 100
	run hull list
	assert_status 0
	[[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
	[ "${#lines[@]}" -eq 3 ]
	local bundle
	bundle="$(readlink -f "$BUNDLE")"
	printf '%s\n' "${lines[@]}" | grep -qE "^c1 +[0-9]+ +created +$bundle +[0-9T:.Z+-]+ +root$"
	printf '%s\n' "${lines[@]}" | grep -qE "^c2 +[0-9]+ +running +$bundle "
}

@test "list -q: one ID per line" {
	create_container c1 sleep 100
	create_container c2 sleep 100
	run hull list -q
	assert_status 0
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "c1 c2 " ]
}

@test "list --format json: an array of states with the owner's name" {
	create_container c1 sleep 100
	run hull list --format json
	assert_status 0
	jq -e 'type == "array" and length == 1 and .[0].id == "c1" and .[0].status == "created"
		and .[0].pid > 0 and .[0].owner == "root"' <<<"$output"
	assert_rfc3339 "$(jq -r '.[0].created' <<<"$output")"
}

@test "list --format json with no containers prints null or []" {
	run hull list --format json
	assert_status 0
	[ "$output" = null ] || [ "$output" = "[]" ]
}

@test "list shows a stopped container with pid 0" {
	start_container c1 hull-checker exit 0
	wait_for_status c1 stopped
	run hull list --format json
	assert_status 0
	jq -e '.[0].status == "stopped" and .[0].pid == 0' <<<"$output"
}

# ---- run -----------------------------------------------------------------------------------------

@test "run exits with the container's exit status" {
	set_args hull-checker exit 3
	run hull run --bundle "$BUNDLE" r1 </dev/null
	assert_status 3
}

@test "run of a container killed by a signal exits 128+N" {
	set_args sleep 100
	"$HULL" --root "$ROOT" run --bundle "$BUNDLE" r1 </dev/null >/dev/null 2>"$T/run.err" &
	local runpid=$!
	wait_for_status r1 running
	track_container r1
	hull kill r1 KILL
	local rc=0
	wait "$runpid" || rc=$?
	[ "$rc" -eq 137 ]
}

@test "run forwards SIGTERM to the container" {
	set_args hull-checker wait-signal
	"$HULL" --root "$ROOT" run --bundle "$BUNDLE" r1 </dev/null >"$T/run.out" 2>"$T/run.err" &
	local runpid=$!
	wait_for_file_text "$T/run.err" ready
	track_container r1
	kill -TERM "$runpid"
	local rc=0
	wait "$runpid" || rc=$?
	[ "$rc" -eq 0 ]
	jq -e '.signal == 15' "$T/run.out"
}

@test "run forwards SIGUSR1 to the container" {
	set_args hull-checker wait-signal
	"$HULL" --root "$ROOT" run --bundle "$BUNDLE" r1 </dev/null >"$T/run.out" 2>"$T/run.err" &
	local runpid=$!
	wait_for_file_text "$T/run.err" ready
	track_container r1
	kill -USR1 "$runpid"
	local rc=0
	wait "$runpid" || rc=$?
	[ "$rc" -eq 0 ]
	jq -e '.signal == 10' "$T/run.out"
}

@test "run: a signal that comes after the program exited is dropped; run deletes and exits with its status" {
	# The poststart hook (hull's child) signals run, then outlasts the program: run meets the
	# signal only after the program is gone.
	update_config '.hooks.poststart = [{"path": "/bin/sh", "args": ["sh", "-c", "kill -USR1 $PPID; sleep 1"]}]'
	set_args hull-checker exit 0
	run hull run --bundle "$BUNDLE" r1 </dev/null
	assert_status 0
	[ "$(status_of r1)" = missing ]
	no_state_left
}

@test "run removes the container after it exits" {
	set_args hull-checker exit 0
	run hull run --bundle "$BUNDLE" r1 </dev/null
	assert_status 0
	[ "$(status_of r1)" = missing ]
	no_state_left
}

@test "run --keep keeps the stopped container" {
	set_args hull-checker exit 0
	run hull run --keep --bundle "$BUNDLE" r1 </dev/null
	assert_status 0
	[ "$(status_of r1)" = stopped ]
	[ "$(state_field r1 pid)" = 0 ]
	hull delete r1
}

@test "run -d returns 0 with the container running" {
	set_args sleep 100
	# (not bats' `run`: it would capture the container's stdout and wait for it)
	local rc=0
	hull run -d --bundle "$BUNDLE" r1 </dev/null >/dev/null 2>"$T/r1.err" || rc=$?
	track_container r1
	[ "$rc" -eq 0 ]
	[ "$(status_of r1)" = running ]
	pid_is_running "$(state_field r1 pid)"
}

@test "run --pid-file -d writes the pid of the running container" {
	set_args sleep 100
	hull run -d --pid-file "$T/r1.pid" --bundle "$BUNDLE" r1 </dev/null >/dev/null 2>&1
	track_container r1
	[ "$(cat "$T/r1.pid")" = "$(state_field r1 pid)" ]
	[ "$(status_of r1)" = running ]
}

@test "run: the container's stdout and stderr pass straight through" {
	set_args sh -c 'echo to-stdout; echo to-stderr >&2'
	hull run --bundle "$BUNDLE" r1 </dev/null >"$T/out" 2>"$T/err"
	[ "$(cat "$T/out")" = to-stdout ]
	[ "$(cat "$T/err")" = to-stderr ]
}

@test "run: the container reads the caller's stdin" {
	set_args sh -c 'read line; echo "got $line"'
	echo hello | hull run --bundle "$BUNDLE" r1 >"$T/out" 2>"$T/err"
	[ "$(cat "$T/out")" = "got hello" ]
}

@test "run 100 times in a row: every run of /bin/true exits 0" {
	set_args /bin/true
	local i
	for i in $(seq 100); do
		hull run --bundle "$BUNDLE" loop </dev/null >/dev/null 2>"$T/err" || {
			echo "iteration $i failed: $(cat "$T/err")" >&2
			return 1
		}
	done
	no_state_left
}

# ---- what the container sees ---------------------------------------------------------------------

@test "inside: the process is pid 1 of its own pid namespace" {
	run_checker r1
	[ "$(cq .pid)" = 1 ]
	[ "$(cq .ppid)" = 0 ]
}

@test "inside: pid, net, ipc, uts, mnt and cgroup namespaces differ from the host's" {
	# runc 1.1's default spec has no cgroup namespace (hull's, like runc 1.5's, has one)
	update_config 'if (.linux.namespaces | map(.type) | index("cgroup")) then . else .linux.namespaces += [{"type": "cgroup"}] end'
	run_checker r1
	local ns
	for ns in pid net ipc uts mnt cgroup; do
		local host inside
		host="$(readlink "/proc/self/ns/$ns")"
		inside="$(cq ".namespaces.$ns")"
		[ -n "$inside" ] && [ "$inside" != null ]
		if [ "$host" = "$inside" ]; then
			echo "namespace $ns is the host's ($host)" >&2
			return 1
		fi
	done
	# no user namespace was asked for
	[ "$(cq .namespaces.user)" = "$(readlink /proc/self/ns/user)" ]
}

@test "inside: the container joins a new session keyring named after its ID" {
	run_checker keyring-box
	# "keyring;uid;gid;perm;name"
	[ "$(cq .session_keyring | cut -d';' -f1)" = keyring ]
	[ "$(cq .session_keyring | cut -d';' -f5)" = keyring-box ]
}

@test "inside: --no-new-keyring keeps the caller's session keyring" {
	run_checker keyring-box --no-new-keyring
	[ "$(cq .session_keyring | cut -d';' -f5)" != keyring-box ]
}

@test "inside: the hostname is the config's" {
	update_config '.hostname = "box-under-test"'
	run_checker r1
	[ "$(cq .hostname)" = box-under-test ]
}

@test "inside: the default mounts are there with their options" {
	run_checker r1
	mount_has /proc proc
	mount_has /dev tmpfs nosuid
	mount_has /dev/pts devpts nosuid noexec
	mount_has /dev/shm tmpfs nosuid nodev noexec
	mount_has /dev/mqueue mqueue nosuid nodev noexec
	mount_has /sys sysfs ro nosuid nodev noexec
	mount_has /sys/fs/cgroup "" nosuid nodev noexec
}

@test "inside: process.cwd and process.env are as configured" {
	update_config '.process.cwd = "/tmp" | .process.env += ["HULL_TEST=a value with spaces"]'
	run_checker r1
	[ "$(cq .cwd)" = /tmp ]
	[ "$(cq '.env | index("HULL_TEST=a value with spaces") != null')" = true ]
	[ "$(cq '.env | map(select(startswith("PATH="))) | length')" = 1 ]
}

@test "inside: process.args reach the program unchanged" {
	set_args hull-checker report 'two words' ''
	CHECKER="$T/checker.json"
	hull run --bundle "$BUNDLE" r1 </dev/null >"$CHECKER"
	[ "$(cq -c .argv)" = '["hull-checker","report","two words",""]' ]
}

@test "inside: user uid, gid and additionalGids are as configured" {
	update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [29, 65534]}'
	run_checker r1
	[ "$(cq .uid)" = 1000 ]
	[ "$(cq .euid)" = 1000 ]
	[ "$(cq .gid)" = 1000 ]
	[ "$(cq .egid)" = 1000 ]
	[ "$(cq -c '.groups | sort')" = '[29,65534]' ]
}

@test "inside: process.user.umask is applied" {
	update_config '.process.user.umask = 23'
	run_checker r1
	[ "$(cq .umask)" = 0027 ]
}

@test "inside: the default umask is 0022" {
	run_checker r1
	[ "$(cq .umask)" = 0022 ]
}

@test "inside: /dev has the default devices and links" {
	set_args sh -c '
		for d in null zero full random urandom tty; do [ -c /dev/$d ] || echo "no char device /dev/$d"; done
		[ "$(readlink /dev/ptmx)" = pts/ptmx ] || echo "ptmx -> $(readlink /dev/ptmx)"
		[ "$(readlink /dev/fd)" = /proc/self/fd ] || echo "fd -> $(readlink /dev/fd)"
		[ "$(readlink /dev/stdin)" = /proc/self/fd/0 ] || echo "stdin -> $(readlink /dev/stdin)"
		[ "$(readlink /dev/stdout)" = /proc/self/fd/1 ] || echo "stdout -> $(readlink /dev/stdout)"
		[ "$(readlink /dev/stderr)" = /proc/self/fd/2 ] || echo "stderr -> $(readlink /dev/stderr)"
		echo x >/dev/null || echo "cannot write /dev/null"
		[ "$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")" = 00000000 ] || echo "bad /dev/zero"
		echo done'
	run hull run --bundle "$BUNDLE" r1 </dev/null
	assert_status 0
	[ "$output" = done ]
}

@test "inside: the host's root file system is not visible" {
	[ -e /etc/debian_version ]
	set_args sh -c 'test ! -e /etc/debian_version && test -x /bin/hull-checker'
	run hull run --bundle "$BUNDLE" r1 </dev/null
	assert_status 0
}

@test "root.readonly makes / read-only" {
	update_config '.root.readonly = true'
	set_args hull-checker write /hull-test-file
	run hull run --bundle "$BUNDLE" r1 </dev/null
	assert_status 1
	jq -e '.ok == false and .errno == 30' <<<"$output" # EROFS
	[ ! -e "$BUNDLE/rootfs/hull-test-file" ]
}

@test "root.readonly false leaves / writable" {
	update_config '.root.readonly = false'
	set_args hull-checker write /hull-test-file
	run hull run --bundle "$BUNDLE" r1 </dev/null
	assert_status 0
	jq -e '.ok == true' <<<"$output"
	[ -f "$BUNDLE/rootfs/hull-test-file" ]
}

@test "run --no-pivot works" {
	set_args sh -c 'test ! -e /etc/debian_version && test -x /bin/hull-checker && echo ok'
	run hull run --no-pivot --bundle "$BUNDLE" r1 </dev/null
	assert_status 0
	[ "$output" = ok ]
}

@test "run --preserve-fds 1 passes fd 3 to the container" {
	echo "through fd 3" >"$T/fd3"
	set_args sh -c 'cat <&3'
	run hull run --preserve-fds 1 --bundle "$BUNDLE" r1 </dev/null 3<"$T/fd3"
	assert_status 0
	[ "$output" = "through fd 3" ]
}

@test "without --preserve-fds, no extra fd reaches the container" {
	echo x >"$T/fd3"
	run_checker r1 3<"$T/fd3" 4<"$T/fd3"
	[ "$(cq -c '.fds | keys | sort')" = '["0","1","2"]' ]
}

# ---- failed creates leave nothing behind ---------------------------------------------------------

@test "create of a missing absolute executable fails at create time, nothing left behind" {
	local id="noexec-$$"
	set_args /nonexistent
	try_create "$id"
	assert_status 1
	assert_output_contains "no such file or directory"
	no_state_left
	no_container_process "$id"
	no_new_mounts
}

@test "create of a program not in PATH fails at create time, nothing left behind" {
	local id="nopath-$$"
	set_args no-such-program-anywhere
	try_create "$id"
	assert_status 1
	assert_output_contains 'executable file not found in $PATH'
	no_state_left
	no_container_process "$id"
	no_new_mounts
}

@test "create with a relative process.cwd fails, nothing left behind" {
	local id="relcwd-$$"
	update_config '.process.cwd = "tmp"'
	set_args /bin/true
	try_create "$id"
	assert_status 1
	# runc 1.1 words it "Cwd must be an absolute path" as well
	assert_output_contains "Cwd must be an absolute path"
	no_state_left
	no_container_process "$id"
	no_new_mounts
}

@test "run of a missing executable fails and leaves nothing behind" {
	local id="norun-$$"
	set_args /nonexistent
	run hull run --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -ne 0 ]
	assert_output_contains "no such file or directory"
	no_state_left
	no_container_process "$id"
	no_new_mounts
}
