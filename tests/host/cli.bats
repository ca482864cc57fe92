#!/usr/bin/env bats
# The command-line surface: help, version, spec, features, argument parsing, container IDs,
# config validation, logging, and errors for missing containers (docs/cli-contract.md §1-5, §8).

load helpers

setup_file() {
	hull_setup_file
}

setup() {
	hull_setup
}

teardown() {
	hull_teardown
}

COMMANDS=(create start run state list kill delete exec ps pause resume update events features spec checkpoint restore)

@test "--help exits 0 and lists the commands" {
	run "$HULL" --help
	assert_status 0
	local cmd
	for cmd in create start run state kill delete; do
		assert_output_contains "$cmd"
	done
}

@test "every command's --help exits 0" {
	local cmd
	for cmd in "${COMMANDS[@]}"; do
		run "$HULL" "$cmd" --help
		if [ "$status" -ne 0 ]; then
			echo "'$cmd --help' exited $status: $output" >&2
			return 1
		fi
		[ -n "$output" ] || {
			echo "'$cmd --help' printed nothing" >&2
			return 1
		}
	done
}

@test "every command's -h exits 0" {
	local cmd
	for cmd in "${COMMANDS[@]}"; do
		run "$HULL" "$cmd" -h
		[ "$status" -eq 0 ] || {
			echo "'$cmd -h' exited $status: $output" >&2
			return 1
		}
	done
}

@test "--version prints a version line, a spec line and a libseccomp line" {
	run "$HULL" --version
	assert_status 0
	[[ "${lines[0]}" =~ ^[a-z]+\ version\ [^\ ]+ ]]
	printf '%s\n' "${lines[@]}" | grep -qE '^spec: [0-9]+\.[0-9]+\.[0-9]+'
	printf '%s\n' "${lines[@]}" | grep -qE '^libseccomp: [0-9]+\.[0-9]+\.[0-9]+'
}

@test "--version names hull and spec 1.3.0" {
	skip_if_runc "prints 'runc version' and its own spec version"
	run "$HULL" --version
	assert_status 0
	[[ "${lines[0]}" == "hull version "* ]]
	printf '%s\n' "${lines[@]}" | grep -qx 'spec: 1.3.0'
}

@test "spec writes a config.json that parses, with runc's defaults" {
	cd "$BATS_TEST_TMPDIR"
	run "$HULL" spec
	assert_status 0
	[ -f config.json ]
	jq -e . config.json >/dev/null
	[ "$(jq -r .process.terminal config.json)" = true ]
	[ "$(jq -c .process.args config.json)" = '["sh"]' ]
	[ "$(jq -r .root.path config.json)" = rootfs ]
	[ "$(jq -r '.linux.namespaces | map(.type) | index("pid") != null' config.json)" = true ]
}

@test "spec writes ociVersion 1.3.0, and a cgroup namespace only on a pure cgroup v2 host (as runc)" {
	skip_if_runc "runc 1.1 writes ociVersion 1.0.2-dev"
	cd "$BATS_TEST_TMPDIR"
	"$HULL" spec
	[ "$(jq -r .ociVersion config.json)" = 1.3.0 ]
	local want=false
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || want=true
	[ "$(jq -r '.linux.namespaces | map(.type) | index("cgroup") != null' config.json)" = "$want" ]
	rm config.json
	"$HULL" spec --rootless
	[ "$(jq -r '.linux.namespaces | map(.type) | index("cgroup") != null' config.json)" = "$want" ]
}

@test "spec --bundle writes into the given directory" {
	mkdir "$BATS_TEST_TMPDIR/b"
	run "$HULL" spec --bundle "$BATS_TEST_TMPDIR/b"
	assert_status 0
	jq -e .process "$BATS_TEST_TMPDIR/b/config.json" >/dev/null
}

@test "spec refuses to overwrite an existing config.json" {
	cd "$BATS_TEST_TMPDIR"
	echo '{"keep":"me"}' >config.json
	run "$HULL" spec
	assert_status 1
	assert_output_contains "File config.json exists. Remove it first"
	[ "$(jq -r .keep config.json)" = me ]
}

@test "spec --rootless adds a user namespace with id mappings" {
	cd "$BATS_TEST_TMPDIR"
	run "$HULL" spec --rootless
	assert_status 0
	[ "$(jq -r '.linux.namespaces | map(.type) | index("user") != null' config.json)" = true ]
	[ "$(jq -r '.linux.uidMappings | length' config.json)" -ge 1 ]
	[ "$(jq -r '.linux.gidMappings | length' config.json)" -ge 1 ]
}

@test "features prints JSON with ociVersionMin, ociVersionMax and linux, nothing on stderr" {
	"$HULL" features >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	jq -e '.ociVersionMin and .ociVersionMax and (.linux | type == "object")' "$BATS_TEST_TMPDIR/out"
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "features works as non-root with nothing on stderr" {
	# from /, with no --root and no state directory of its own
	nobody_hull
	cd /
	as_nobody "$NOBODY_HULL" features \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	jq -e '.ociVersionMin and .ociVersionMax and (.linux | type == "object")' "$BATS_TEST_TMPDIR/out"
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "features reports ociVersionMax 1.3.0" {
	skip_if_runc "runc 1.1 reports its own spec version"
	run "$HULL" features
	assert_status 0
	[ "$(jq -r .ociVersionMax <<<"$output")" = 1.3.0 ]
	[ "$(jq -r .ociVersionMin <<<"$output")" = 1.0.0 ]
}

@test "--version works as non-root" {
	nobody_hull
	cd /
	run as_nobody "$NOBODY_HULL" --version
	assert_status 0
}

@test "an unknown global flag fails with Go flag's wording" {
	run "$HULL" --root "$ROOT" --no-such-flag list
	assert_status 1
	assert_output_contains "flag provided but not defined"
}

@test "an unknown command flag fails with Go flag's wording" {
	run hull state --no-such-flag foo
	assert_status 1
	assert_output_contains "flag provided but not defined"
}

@test "a missing container ID is an error for every command that needs one" {
	local cmd
	for cmd in create start state kill delete; do
		run hull "$cmd"
		if [ "$status" -eq 0 ]; then
			echo "'$cmd' without an ID exited 0" >&2
			return 1
		fi
	done
	no_state_left
}

@test "invalid container IDs are rejected and create nothing" {
	local id
	for id in '../x' 'a/b' '.' '..' 'x y' '../../../../tmp/escape' 'a\b' '$x'; do
		try_create "$id"
		if [ "$status" -ne 1 ] || [[ "$output" != *"invalid container ID format"* ]]; then
			echo "id '$id': status $status, output: $output" >&2
			return 1
		fi
	done
	no_state_left
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
	[ ! -e /tmp/escape ]
}

@test "an empty container ID is rejected" {
	try_create ""
	assert_status 1
	# runc says 'container id cannot be empty' (checked before the ID format)
	[[ "$output" == *"invalid container ID format"* || "$output" == *"container id cannot be empty"* ]]
	no_state_left
}

@test "state of an invalid container ID is rejected" {
	run hull state '../x'
	assert_status 1
	assert_output_contains "invalid container ID format"
}

# bad_config_test ID POINTER: create must fail with exit 1, name POINTER, and leave nothing.
bad_config_test() {
	local id="$1" pointer="$2"
	try_create "$id"
	assert_status 1
	if [ -n "$pointer" ] && ! is_runc; then
		# runc reports the Go error without a JSON pointer
		assert_output_contains "$pointer"
	fi
	no_state_left
	no_new_mounts
	no_container_process "$id"
}

@test "malformed config.json is rejected, nothing left behind" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	bad_config_test badjson-$$ ""
	# runc says only "unexpected EOF"; hull names the file
	is_runc || assert_output_contains "config.json"
}

@test "an unknown namespace type is rejected with its JSON pointer" {
	update_config '.linux.namespaces[0].type = "bogus"'
	bad_config_test badns-$$ /linux/namespaces/0/type
}

@test "a relative mount destination is rejected with its JSON pointer" {
	skip_if_runc "runc 1.1 accepts a relative destination (resolves it against /)"
	local n
	n="$(jq '.mounts | length' "$BUNDLE/config.json")"
	update_config '.mounts += [{"destination": "relative/dir", "type": "tmpfs", "source": "tmpfs"}]'
	bad_config_test badmnt-$$ "/mounts/$n/destination"
}

@test "an unsupported ociVersion is rejected with its JSON pointer" {
	skip_if_runc "runc 1.1 does not check ociVersion"
	update_config '.ociVersion = "2.0.0"'
	bad_config_test badver-$$ /ociVersion
}

@test "a missing rootfs is rejected, nothing left behind" {
	rm -rf "$BUNDLE/rootfs"
	bad_config_test norootfs-$$ ""
}

@test "--log with --log-format json writes one error record, and the error goes to stderr too" {
	local log="$BATS_TEST_TMPDIR/log.json"
	"$HULL" --root "$ROOT" --log "$log" --log-format json state nosuch \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" && return 1
	[ "$(wc -l <"$log")" -eq 1 ]
	jq -e '.level == "error" and (.msg | test("does not exist"))' "$log"
	local t
	t="$(jq -r .time "$log")"
	assert_rfc3339 "$t"
	grep -q "does not exist" "$BATS_TEST_TMPDIR/err"
}

@test "--log-format=json (joined form) is accepted" {
	local log="$BATS_TEST_TMPDIR/log.json"
	run "$HULL" --root="$ROOT" --log="$log" --log-format=json state nosuch
	assert_status 1
	jq -e '.level == "error"' "$log"
}

@test "an invalid --log-format is rejected" {
	run "$HULL" --root "$ROOT" --log-format bad list
	assert_status 1
	assert_output_contains "invalid log-format"
}

@test "state of a missing container: does not exist" {
	run hull state nosuch
	assert_status 1
	assert_output_contains "does not exist"
}

@test "kill of a missing container: does not exist" {
	run hull kill nosuch KILL
	assert_status 1
	assert_output_contains "does not exist"
}

@test "delete of a missing container: does not exist" {
	run hull delete nosuch
	assert_status 1
	assert_output_contains "does not exist"
}

@test "delete --force of a missing container exits 0" {
	run hull delete --force nosuch
	assert_status 0
}

@test "start of a missing container: does not exist" {
	run hull start nosuch
	assert_status 1
	assert_output_contains "does not exist"
}

@test "the single-dash -root global flag is the same as --root" {
	create_container dash-$$ sleep 100
	run "$HULL" -root "$ROOT" state dash-$$
	assert_status 0
	[ "$(jq -r .status <<<"$output")" = created ]
	run "$HULL" -root="$ROOT" list -q
	assert_status 0
	[ "$output" = dash-$$ ]
}

@test "command flags may follow the container ID (delete ID --force)" {
	start_container after-$$ sleep 100
	run hull delete after-$$ --force
	assert_status 0
	[ "$(status_of after-$$)" = missing ]
}

@test "the signal is a positional argument after the ID (kill ID KILL)" {
	start_container sigpos-$$ sleep 100
	run hull kill sigpos-$$ KILL
	assert_status 0
	wait_for_status sigpos-$$ stopped
}

@test "single-dash long command flags parse (-force, -bundle)" {
	hull create -bundle "$BUNDLE" single-$$ </dev/null >/dev/null
	track_container single-$$
	run hull delete -force single-$$
	assert_status 0
	[ "$(status_of single-$$)" = missing ]
}

@test "list with no containers prints only the header" {
	run hull list
	assert_status 0
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
}

@test "the default state root is /run/hull" {
	local id="defroot-$$-$RANDOM" dir=/run/hull
	# runc's default is /run/runc
	is_runc && dir=/run/runc
	HULL_DEFAULT_ROOT_IDS+=("$id")
	set_args sleep 100
	"$HULL" create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
	[ -d "$dir/$id" ]
	run "$HULL" state "$id"
	assert_status 0
	[ "$(jq -r .status <<<"$output")" = created ]
	local pid
	pid="$(jq -r .pid <<<"$output")"
	HULL_TRACKED_PIDS+=("$pid:$(proc_starttime "$pid")")
	run "$HULL" delete --force "$id"
	assert_status 0
	[ ! -e "$dir/$id" ]
}
