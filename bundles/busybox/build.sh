#!/usr/bin/env bash
# Build a busybox OCI bundle: OUTDIR/rootfs (from Debian's busybox-static) and OUTDIR/config.json
# (the runtime's default spec with terminal turned off).
#
# usage: build.sh [--hull PATH] [OUTDIR]
#   --hull PATH   runtime used for `spec` (default: $HULL, else `hull` in PATH); runc works too
#   OUTDIR        where to put rootfs/ and config.json (default: this script's directory)
#
# No network; idempotent: the rootfs is rebuilt from scratch each time (it takes well under a
# second), config.json is regenerated.
set -euo pipefail

usage() { echo "usage: $0 [--hull PATH] [OUTDIR]" >&2; exit 2; }

runtime="${HULL:-}"
outdir=""
while [ $# -gt 0 ]; do
	case "$1" in
	--hull) [ $# -ge 2 ] || usage; runtime="$2"; shift 2 ;;
	--hull=*) runtime="${1#--hull=}"; shift ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) [ -z "$outdir" ] || usage; outdir="$1"; shift ;;
	esac
done
[ -n "$outdir" ] || outdir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ -n "$runtime" ] || runtime="$(command -v hull || true)"
[ -n "$runtime" ] || { echo "$0: no runtime: pass --hull PATH or set HULL" >&2; exit 1; }
command -v jq >/dev/null || { echo "$0: jq is required" >&2; exit 1; }

busybox=""
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then busybox="$b"; break; fi
done
if [ -z "$busybox" ]; then
	# `file` may be missing: fall back to ldd's verdict.
	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then busybox="$b"; break; fi
	done
fi
[ -n "$busybox" ] || { echo "$0: a static busybox is required (apt-get install busybox-static)" >&2; exit 1; }

mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
rootfs="$outdir/rootfs"

# Build in a temporary directory next to the target, then swap it in.
tmp="$(mktemp -d "$outdir/.rootfs.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

(
	cd "$tmp"
	mkdir -p bin sbin usr/bin usr/sbin usr/local/bin etc dev proc sys tmp root home/user \
		var/tmp var/log run mnt opt lib
	ln -s ../run var/run
	chmod 1777 tmp var/tmp
	chmod 0700 root
	cp "$busybox" bin/busybox
	chmod 0755 bin/busybox
	# One symlink per applet, at the path busybox itself reports.
	"$busybox" --list-full | while read -r applet; do
		[ -n "$applet" ] && [ "$applet" != bin/busybox ] || continue
		[ -e "$applet" ] || [ -L "$applet" ] && continue
		case "$applet" in
		*/*) dir="${applet%/*}" ;;
		*) ln -s bin/busybox "$applet"; continue ;;
		esac
		[ -d "$dir" ] || mkdir -p "$dir"
		# relative link to bin/busybox: one ../ per directory level
		up="${dir//[!\/]/}"
		up="${up//\//../}../"
		ln -s "${up}bin/busybox" "$applet"
	done
	cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
	cat >etc/group <<'EOF'
root:x:0:
daemon:x:1:
audio:x:29:user
user:x:1000:
nogroup:x:65534:
EOF
	chown 1000:1000 home/user
	echo "hull" >etc/hostname
	: >etc/hosts
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >etc/hosts
)

rm -rf "$rootfs"
mv "$tmp" "$rootfs"
chmod 0755 "$rootfs"
trap - EXIT

# config.json: the runtime's default spec, terminal off (no console socket in the tests).
rm -f "$outdir/config.json"
"$runtime" spec --bundle "$outdir"
jq '.process.terminal = false' "$outdir/config.json" >"$outdir/config.json.tmp"
mv "$outdir/config.json.tmp" "$outdir/config.json"
