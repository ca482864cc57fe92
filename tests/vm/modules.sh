#!/usr/bin/env bash
# Run on the host by guest.bats before the suite boot: extracts the kernel modules the guest
# suite loads itself (tests/vm/suite/guest.bash guest_load_module) from the kernel package that
# tests/vm/prepare.sh keeps, and prints the directory holding them (NAME.ko, uncompressed).
#
#   loop                 a block device for the io.max and io.bfq.weight checks (the guest's root
#                        is 9p: it has no block device of its own)
#   bfq                  the BFQ scheduler, for blockIO.weight -> io.bfq.weight
#   rdma_rxe and deps    a soft-RoCE device, so the rdma controller has a device to limit
#                        (ib_core, ib_uverbs, udp_tunnel, ip6_udp_tunnel; crc32_generic for its
#                        ICRC: the guest cannot load modules on demand)
#   dummy                the network device rxe binds to
#
# Usage: modules.sh CACHE   (CACHE: $HULL_VM_CACHE, prepared; the modules go to
# CACHE/suite-modules/<package>_<version>/, made once per kernel: extracting takes ~7 s)
set -euo pipefail

cache="$1"
read -r pkg ver <"$cache/current/package"
out="$cache/suite-modules/${pkg}_$ver"
want="loop bfq rdma_rxe ib_uverbs ib_core udp_tunnel ip6_udp_tunnel crc32_generic dummy"

if [ -f "$out/ready" ]; then
	echo "$out"
	exit 0
fi
deb="$cache/kernels/${pkg}_$ver.deb"
[ -f "$deb" ] || { echo "modules.sh: no $deb (run tests/vm/prepare.sh)" >&2; exit 1; }

mkdir -p "$cache/suite-modules"
exec 9>"$cache/suite-modules/lock"
flock -x 9
if [ -f "$out/ready" ]; then
	echo "$out"
	exit 0
fi
work="$(mktemp -d "$cache/suite-modules/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
patterns=()
for m in $want; do
	patterns+=("*/$m.ko" "*/$m.ko.xz" "*/$m.ko.zst")
done
# tar exits non-zero for the compression suffixes that are not in the archive.
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards "${patterns[@]}" 2>/dev/null || true
mkdir "$work/out"
for m in $want; do
	f="$(find "$work" -path "$work/out" -prune -o -name "$m.ko*" -print | head -n1)"
	case "$f" in
	"") echo "modules.sh: $m is not in $deb (skipped)" >&2; continue ;;
	*.ko) cp "$f" "$work/out/$m.ko" ;;
	*.ko.xz) xz -dc "$f" >"$work/out/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$work/out/$m.ko" ;;
	esac
done
touch "$work/out/ready"
rm -rf "$out"
mv "$work/out" "$out"
# Modules of older kernels are no longer booted.
for d in "$cache"/suite-modules/*/; do
	d="${d%/}"
	[ "$d" = "$out" ] || rm -rf "$d"
done
echo "$out"
