#!/usr/bin/env bash
# Prepare the real-client suite (tests/clients/*.bats): install the engines and
# build the busybox image archive they import.
#
# usage: setup.sh [--hull PATH] [CACHEDIR]
#   CACHEDIR  where busybox.tar (a docker-archive: manifest.json, config, one layer) and its
#             rootfs are kept (default: /var/cache/hull-clients)
#
# Idempotent: installs only what is missing (apt), rebuilds the image only when busybox or
# this script changed. Never starts a service: the package scripts run with a policy-rc.d that
# refuses every start (docker.io and containerd would otherwise start daemons that change the
# host's network), and the engines are started by the tests themselves with private state.
# Prints the path of the image archive on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/../.." && pwd)"
runtime="${HULL:-}"
cache=""
while [ $# -gt 0 ]; do
	case "$1" in
	--hull) runtime="$2"; shift 2 ;;
	--hull=*) runtime="${1#--hull=}"; shift ;;
	-*) echo "usage: $0 [--hull PATH] [CACHEDIR]" >&2; exit 2 ;;
	*) cache="$1"; shift ;;
	esac
done
cache="${cache:-/var/cache/hull-clients}"
[ "$(id -u)" -eq 0 ] || { echo "$0: must run as root" >&2; exit 1; }

# ---- packages ----------------------------------------------------------------------------------
# containerd: ctr + containerd-shim-runc-v2; podman (+ conmon, containers-common); docker.io
# (dockerd, docker CLI); util-linux's script (a pty for `-t`); busybox-static, jq for the image.
pkgs=(containerd podman conmon docker.io util-linux busybox-static jq runc)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}" >&2
	# No service may start from a package script (no systemd here; the init scripts would start
	# dockerd/containerd with the host's default network and cgroup settings).
	policy=/usr/sbin/policy-rc.d
	made_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		made_policy=1
	fi
	# shellcheck disable=SC2064
	trap "[ $made_policy = 1 ] && rm -f $policy" EXIT
	apt-get update -qq >&2 || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confold "${missing[@]}" >&2
	[ $made_policy = 1 ] && rm -f "$policy"
	trap - EXIT
fi

# ---- the image ---------------------------------------------------------------------------------
# A docker-archive (docker save format v1.2): manifest.json, <sha>.json (the image config),
# <sha>/layer.tar. ctr import, podman load and docker load all take it.
mkdir -p "$cache"
tarball="$cache/busybox.tar"
busybox="$(readlink -f /bin/busybox)"
stamp="$(sha256sum "$busybox" "$here/setup.sh" "$src/bundles/busybox/build.sh" | sha256sum | cut -c1-16)"
if [ -f "$tarball" ] && [ "$(cat "$cache/busybox.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$tarball"
	exit 0
fi
[ -n "$runtime" ] || runtime="$(command -v runc || command -v hull || true)"
[ -n "$runtime" ] || { echo "$0: no runtime for build.sh's 'spec': pass --hull" >&2; exit 1; }

work="$(mktemp -d "$cache/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$src/bundles/busybox/build.sh" --hull "$runtime" "$work/bundle" >&2
# An image's rootfs has no mount points baked in beyond empty directories; keep it as built.
mkdir -p "$work/img"
# Deterministic layer: sorted names, fixed owner and time.
tar --sort=name --numeric-owner --mtime='2024-01-01 00:00:00Z' --format=posix \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	-C "$work/bundle/rootfs" -cf "$work/layer.tar" .
layer_sha="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
mkdir -p "$work/img/$layer_sha"
mv "$work/layer.tar" "$work/img/$layer_sha/layer.tar"
jq -n --arg diff "sha256:$layer_sha" '{
	architecture: "amd64",
	os: "linux",
	created: "2024-01-01T00:00:00Z",
	config: {
		Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
		Cmd: ["sh"],
		WorkingDir: "/"
	},
	rootfs: {type: "layers", diff_ids: [$diff]},
	history: [{created: "2024-01-01T00:00:00Z", created_by: "hull tests/clients/setup.sh"}]
}' >"$work/config.json"
config_sha="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
mv "$work/config.json" "$work/img/$config_sha.json"
jq -n -c --arg c "$config_sha.json" --arg l "$layer_sha/layer.tar" \
	'[{Config: $c, RepoTags: ["docker.io/library/busybox:hull"], Layers: [$l]}]' \
	>"$work/img/manifest.json"
printf '{"docker.io/library/busybox":{"hull":"%s"}}' "$config_sha" >"$work/img/repositories"
tar --sort=name --numeric-owner --mtime='2024-01-01 00:00:00Z' -C "$work/img" -cf "$work/busybox.tar" .
mv "$work/busybox.tar" "$tarball"
echo "$stamp" >"$cache/busybox.stamp"
echo "$tarball"
