#!/usr/bin/env bats
# A thousand create/delete cycles of one ID (HULL_LOAD_CYCLES), a third of them creates that
# succeed and the rest creates that fail at different points: a cwd that is a file and a sysctl
# the kernel lacks (both in the container's init, after its namespaces and cgroups exist), a
# program that does not exist, and a relative cwd (refused before any side effect). Afterwards
# the host's mount table, the cgroup tree and the calling shell's open files are as before, and
# no state is left.

load ../host/helpers
load load

setup_file() {
	hull_setup_file
}

setup() {
	load_setup
	set_args sleep 100000
	# One bundle per kind of create, all on the same root filesystem.
	local kind filter
	for kind in ok filecwd sysctl noexec relcwd; do
		case "$kind" in
		ok) filter='.' ;;
		filecwd) filter='.process.cwd = "/bin/busybox"' ;;
		sysctl) filter='.linux.sysctl = {"net.ipv4.hull_no_such_sysctl": "1"}' ;;
		noexec) filter='.process.args = ["/no/such/program"]' ;;
		relcwd) filter='.process.cwd = "relative"' ;;
		esac
		mkdir "$T/$kind"
		jq --arg root "$BUNDLE/rootfs" "$filter | .root.path = \$root" "$BUNDLE/config.json" \
			>"$T/$kind/config.json"
	done
}

teardown() {
	load_teardown
}

# open_fds PID: the open file descriptors of PID but pipes, one "FD TARGET" a line. bash opens and
# closes pipes of its own around its children (command substitutions, its process-group sync pipe);
# no runtime call can give the caller one.
open_fds() {
	find "/proc/$1/fd" -mindepth 1 -printf '%f %l\n' | grep -v ' pipe:' | sort -n
}

# expected_error KIND: what the failing create of KIND says.
expected_error() {
	case "$1" in
	filecwd) echo "/bin/busybox" ;;
	sysctl) echo "net.ipv4.hull_no_such_sysctl" ;;
	noexec) echo "/no/such/program" ;;
	relcwd) echo "Cwd must be an absolute path" ;;
	esac
}

# cycles N: N create/delete cycles of the ID cyc, going through the kinds of create in turn; the
# open files of the shell that runs them are the same at the end.
cycles() {
	local n="$1" kinds=(ok filecwd sysctl ok noexec relcwd) i kind t0 shell=$BASHPID fds_before
	fds_before="$(open_fds "$shell")"
	t0="$(now_ms)"
	for i in $(seq "$n"); do
		kind="${kinds[$((i % ${#kinds[@]}))]}"
		status=0
		hull create --bundle "$T/$kind" cyc </dev/null >/dev/null 2>"$T/err" || status=$?
		output="$(cat "$T/err")"
		if [ "$kind" = ok ]; then
			[ "$status" -eq 0 ] || {
				echo "cycle $i: create failed: $output" >&2
				return 1
			}
			hull delete cyc
		else
			[ "$status" -eq 1 ] && [[ "$output" == *"$(expected_error "$kind")"* ]] || {
				echo "cycle $i ($kind): create exited $status: $output" >&2
				return 1
			}
			[ ! -e "$ROOT/cyc" ] || {
				echo "cycle $i ($kind): the failed create left $ROOT/cyc" >&2
				return 1
			}
		fi
	done
	echo "# $n create/delete cycles: $(($(now_ms) - t0)) ms" >&3
	[ "$(open_fds "$shell")" = "$fds_before" ] || {
		echo "the caller's open files were: $fds_before" >&2
		echo "and are now: $(open_fds "$shell")" >&2
		return 1
	}
}

@test "1000 create/delete cycles, most creates failing: mounts, cgroups and the caller's files unchanged" {
	# The caller is a shell of its own, whose open files nothing but the cycles could change.
	(cycles "${HULL_LOAD_CYCLES:-1000}")
	no_state_left
	container_processes_gone
	no_new_cgroups
	no_new_mounts
}
