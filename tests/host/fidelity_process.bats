#!/usrenv bats
# The container process as runc sets it up (runc's finalizeNamespace and prepareEnv): the working
# directory is entered while the init is still root, so a cwd only root can enter still starts
# (and is retried as the user when root is refused); every check hull makes runs before the
# seccomp filter, so a profile that denies getcwd, chdir or stat still starts; the environment
# has each variable once, the last value winning, and an empty HOME is filled from the
# container's /etc/passwd, for run and exec alike.

load helpers
load spec/spec_helpers

setup_file() {
	hull_setup_file
}

setup() {
	hull_setup
}

teardown() {
	hull_teardown
}

# A 0700 root-owned /root in the container, and the process as uid/gid 1000.
root_only_cwd() {
	mkdir -p "$BUNDLE/rootfs/root"
	chown 0:0 "$BUNDLE/rootfs/root"
	chmod 0700 "$BUNDLE/rootfs/root"
}

# The profile of runtime-tools' seccomp test and more: every call hull itself makes to check
# the working directory and find the executable is denied to the container.
deny_checks_profile() {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names":
		["getcwd", "chdir", "fchdir", "stat", "lstat", "newfstatat", "statx", "access", "faccessat",
		 "faccessat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
}

@test "process.cwd is entered as root first (a uid 1000 process starts in /root 0700), as the user when root is refused" {
	root_only_cwd
	update_config '.process.cwd = "/root" | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'echo "$(id -u) $(readlink /proc/self/cwd)"; cd /root 2>/dev/null && echo entered; true'
	run hull run --bundle "$BUNDLE" cwd-root
	echo "$output"
	[ "$status" -eq 0 ]
	# The process runs there, as the user: it could not enter /root again by itself.
	[ "$output" = "1000 /root" ]

	# Refused to root, the cwd is entered as the user after the user change: in a user
	# namespace, a directory owned by a host uid the container does not map, searchable only by
	# its group (the container's gid 1000), cannot be entered by the container's root.
	use_userns 100000
	mkdir -p "$BUNDLE/rootfs/srv/group-only"
	chown 0:101000 "$BUNDLE/rootfs/srv/group-only"
	printf '#!/bin/sh\necho "$(id -u) $(readlink /proc/self/cwd)"\n' >"$BUNDLE/rootfs/srv/group-only/show"
	chown 0:101000 "$BUNDLE/rootfs/srv/group-only/show"
	chmod 0755 "$BUNDLE/rootfs/srv/group-only/show"
	chmod 0010 "$BUNDLE/rootfs/srv/group-only"
	update_config '.process.cwd = "/srv/group-only"'
	# A relative program name resolves in the cwd the user entered.
	set_args ./show
	run hull run --bundle "$BUNDLE" cwd-retry
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1000 /srv/group-only" ]
	# Root of the container is refused both times.
	update_config '.process.user = {"uid": 0, "gid": 0}'
	run hull run --bundle "$BUNDLE" cwd-refused
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/srv/group-only"*"permission denied"* ]]
}

@test "exec --user 1000 --cwd /root (0700): the process starts there" {
	root_only_cwd
	create_container exec-cwd sleep 100
	hull start exec-cwd
	run hull exec --user 1000:1000 --cwd /root exec-cwd sh -c 'echo "$(id -u) $(readlink /proc/self/cwd)"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1000 /root" ]
	# A cwd nobody can enter still fails, naming the path.
	run hull exec --cwd /no/such/dir exec-cwd true
	[ "$status" -ne 0 ]
	[[ "$output" == *"/no/such/dir"*"no such file or directory"* ]]
	run hull exec --cwd /etc/passwd exec-cwd true
	[ "$status" -ne 0 ]
	[[ "$output" == *"/etc/passwd"*"not a directory"* ]]
}

@test "a profile denying getcwd, chdir and stat starts, with and without noNewPrivileges, and keeps denying them" {
	skip_if_runc "runc 1.1.5 loads the filter before its own stat of /dev/null and chdir"
	deny_checks_profile
	update_config '.process.cwd = "/tmp"'
	# The filter is in force in the container: its own chdir is denied.
	set_args /bin/sh -c 'echo started; cd / 2>/dev/null || echo chdir-denied'
	local nnp
	for nnp in false true; do
		update_config ".process.noNewPrivileges = $nnp"
		run hull run --bundle "$BUNDLE" "seccomp-checks-$nnp"
		echo "noNewPrivileges $nnp: $output"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = started ]
		[ "${lines[1]}" = chdir-denied ]
	done
}

@test "a profile denying getcwd, chdir and stat: exec starts, with and without noNewPrivileges" {
	skip_if_runc "runc 1.1.5 loads the filter before its own stat of /dev/null and chdir"
	deny_checks_profile
	update_config '.process.noNewPrivileges = false'
	create_container exec-seccomp sleep 100
	hull start exec-seccomp
	run hull exec --cwd /tmp exec-seccomp sh -c 'echo started; cd / 2>/dev/null || echo chdir-denied'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "started
chdir-denied" ]
	run hull exec --no-new-privs --user 1000:1000 --cwd /home/user exec-seccomp sh -c 'echo started'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = started ]
}

@test "process.env: an empty HOME is taken from the container's passwd, as an absent one" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "HOME="]'
	set_args sh -c 'echo "[$HOME]"'
	run hull run --bundle "$BUNDLE" home-root
	[ "$status" -eq 0 ]
	[ "$output" = "[/root]" ]
	update_config '.process.env = ["PATH=/bin:/usr/bin", "HOME=/x", "HOME="] | .process.user = {"uid": 1000, "gid": 1000}'
	run hull run --bundle "$BUNDLE" home-user
	[ "$status" -eq 0 ]
	[ "$output" = "[/home/user]" ]
	# A non-empty HOME is kept, the last one winning.
	update_config '.process.env = ["PATH=/bin:/usr/bin", "HOME=", "HOME=/x"]'
	run hull run --bundle "$BUNDLE" home-set
	[ "$status" -eq 0 ]
	[ "$output" = "[/x]" ]
}

@test "process.env: a variable listed twice is set once, the last value in the last place" {
	skip_if_runc "runc 1.1.5 passes duplicates on (its main branch removes them)"
	update_config '.process.env = ["ONE=two", "PATH=/bin:/usr/bin", "TWO=2", "ONE=", "HOME=/h"]'
	set_args env
	run hull run --bundle "$BUNDLE" env-dup
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "PATH=/bin:/usr/bin
TWO=2
ONE=
HOME=/h" ]
}

@test "exec --env on top of the config's env: each variable once, the last value winning; HOME= filled in" {
	skip_if_runc "runc 1.1.5 passes duplicates on (its main branch removes them)"
	update_config '.process.env = ["PATH=/bin:/usr/bin", "ONE=two", "HOME=/h"]'
	create_container exec-env sleep 100
	hull start exec-env
	run hull exec --env ONE= --env TWO=1 --env TWO=2 exec-env env
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "PATH=/bin:/usr/bin
HOME=/h
ONE=
TWO=2" ]
	run hull exec --env HOME= --user 1000:1000 exec-env sh -c 'echo "[$HOME]"; env | grep -c "^HOME="'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "[/home/user]
1" ]
}
