#!/usr/bin/env bash
# tests/vm/prepare.sh [CACHE_DIR]
#
# Prepares what tests/vm/run.sh boots: the distribution's kernel and a busybox initramfs that
# mounts the host's root over 9p under a tmpfs overlay (see tests/vm/README.md). Idempotent and
# safe to run concurrently (an flock on CACHE_DIR/lock); a second run with nothing to do takes
# about 0.1 s. Needs root (apt) and Debian's package repositories the first time.
#
#   CACHE_DIR   default: $HULL_VM_CACHE, else /var/cache/hull-vm
#
# Environment:
#   HULL_VM_MODULES   extra kernel modules to load in the guest (space-separated), with their
#                     dependencies; the initramfs is rebuilt when the list changes.
#
# What it leaves in CACHE_DIR:
#   kernels/<package>_<version>/   vmlinuz, vmlinux (uncompressed, when it has a PVH entry), config,
#                                  modules/*.ko, load-order: the extraction of the kernel package
#                                  linux-image-amd64 depends on (the .deb is kept beside it)
#   boot-<hash>/                   kernel + initrd.gz (this kernel, init and module list)
#   current                        symlink to the boot-<hash> run.sh uses (replaced atomically)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${1:-${HULL_VM_CACHE:-/var/cache/hull-vm}}"

# The modules the guest needs to mount its root; dependencies are added from each module's
# .modinfo, and modules the kernel has built in are skipped.
MODULES="virtio_pci virtio_ring virtio 9p 9pnet 9pnet_virtio netfs overlay ${HULL_VM_MODULES:-}"

log() { printf 'hull-vm prepare: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages with apt)"

apt_updated=""
apt_update() {
	if [ -z "$apt_updated" ]; then
		log "apt-get update"
		apt-get update -qq >&2
		apt_updated=1
	fi
}

# apt_install PACKAGE...: installs quietly (the log is shown if it fails), updating the package
# lists once if the first attempt fails.
apt_install() {
	local out
	out="$(mktemp)"
	log "installing: $*"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >"$out" 2>&1; then
		apt_update
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >"$out" 2>&1 || {
			cat "$out" >&2
			rm -f "$out"
			die "apt-get install $* failed"
		}
	fi
	rm -f "$out"
}

# Installs the package of each missing command: "command:package".
missing=""
for spec in qemu-system-x86_64:qemu-system-x86 xz:xz-utils gzip:gzip flock:util-linux \
	timeout:coreutils dpkg-deb:dpkg; do
	command -v "${spec%%:*}" >/dev/null 2>&1 || missing="$missing ${spec#*:}"
done
# The initramfs needs the static busybox (a project dependency; the dynamic one will not do).
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
	missing="$missing busybox-static"
[ -z "$missing" ] || apt_install $missing
busybox=/bin/busybox

mkdir -p "$cache/kernels"
exec 9>"$cache/lock"
flock 9

# ---- which kernel ---------------------------------------------------------------------------

# The kernel image package linux-image-amd64 depends on (e.g. linux-image-6.1.0-57-amd64).
resolve_kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
# apt-cache takes seconds here, so its answer is kept until the package lists change.
lists_fp="$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null | sha256sum | cut -c1-16)"
pkg="" ver=""
if [ -f "$cache/resolved" ]; then
	read -r fp pkg ver <"$cache/resolved" || true
	[ "$fp" = "$lists_fp" ] || pkg="" ver=""
fi
if [ -z "$pkg" ]; then
	pkg="$(resolve_kernel_package || true)"
	if [ -z "$pkg" ]; then
		apt_update
		lists_fp="$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null | sha256sum | cut -c1-16)"
		pkg="$(resolve_kernel_package || true)"
	fi
	if [ -n "$pkg" ]; then
		ver="$(apt-cache policy "$pkg" | awk '$1 == "Candidate:" { print $2 }')"
		[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no candidate version of $pkg"
		printf '%s %s %s\n' "$lists_fp" "$pkg" "$ver" >"$cache/resolved"
	fi
fi
if [ -n "$pkg" ]; then
	kdir="$cache/kernels/${pkg}_${ver//:/%3a}"
else
	# No package lists (offline): fall back to the newest kernel already prepared.
	kdir="$(ls -1d "$cache"/kernels/*/ 2>/dev/null | sort -V | tail -n1)"
	kdir="${kdir%/}"
	[ -n "$kdir" ] && [ -f "$kdir/ready" ] ||
		die "cannot resolve linux-image-amd64's dependency with apt-cache, and nothing is cached"
	log "apt-cache cannot resolve linux-image-amd64; using the cached $(basename "$kdir")"
fi

# ---- kernel and modules ---------------------------------------------------------------------

# module_name FILE: sets REPLY to the module's name as the kernel spells it (dashes become
# underscores).
module_name() {
	local n="${1##*/}"
	n="${n%%.ko*}"
	REPLY="${n//-/_}"
}

# extract_vmlinux BZIMAGE OUT: the ELF kernel inside a bzImage (as scripts/extract-vmlinux does).
extract_vmlinux() {
	local img="$1" out="$2" magic cmd pos
	for magic in '\xfd7zXZ\x00:xz -dc --single-stream' '\x28\xb5\x2f\xfd:zstd -qdc' \
		'\x1f\x8b\x08:gzip -dc' '\x02\x21\x4c\x18:lz4 -dc'; do
		cmd="${magic#*:}"
		command -v "${cmd%% *}" >/dev/null 2>&1 || continue
		for pos in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$img" 2>/dev/null | cut -d: -f1 | head -n 3); do
			tail -c "+$((pos + 1))" "$img" | $cmd >"$out" 2>/dev/null || true
			[ "$(head -c 4 "$out" 2>/dev/null)" = $'\x7fELF' ] && return 0
		done
	done
	return 1
}

# Extracts vmlinuz and the wanted modules (with their dependencies) from the package into
# $kdir, writing load-order (module file names, dependencies first).
extract_kernel() {
	local work="$kdir.tmp"
	rm -rf "$work"
	mkdir -p "$work/root" "$work/out/modules"
	# The package is kept (about 70 MB) so a change of HULL_VM_MODULES needs no download.
	local deb="$kdir.deb"
	if ! [ -f "$deb" ]; then
		log "downloading $pkg $ver"
		mkdir -p "$work/dl"
		(cd "$work/dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2) ||
			{ apt_update && (cd "$work/dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2); }
		mv "$(ls "$work"/dl/*.deb)" "$deb"
	fi
	log "extracting $(basename "$deb")"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/root" --wildcards \
		'./boot/vmlinuz-*' './boot/config-*' '*/modules/*'
	local moddir="" d
	for d in "$work"/root/lib/modules/*/ "$work"/root/usr/lib/modules/*/; do
		[ -d "$d" ] && moddir="${d%/}" && break
	done
	[ -n "$moddir" ] || die "no /lib/modules/<release> in $deb"
	local release
	release="$(basename "$moddir")"
	cp "$work"/root/boot/vmlinuz-"$release" "$work/out/vmlinuz"
	cp "$work"/root/boot/config-"$release" "$work/out/config"
	# Under TCG, decompressing the kernel takes the guest seconds; the uncompressed ELF boots
	# through its PVH entry point instead (qemu -kernel takes either).
	if grep -qx 'CONFIG_PVH=y' "$work/out/config" && extract_vmlinux "$work/out/vmlinuz" "$work/out/vmlinux"; then
		log "kernel $release: booting the uncompressed vmlinux (PVH)"
	else
		rm -f "$work/out/vmlinux"
		log "kernel $release: booting the compressed vmlinuz"
	fi

	# name -> path of every loadable module, and the built-in names.
	declare -A path=() builtin=() seen=()
	local f n
	while IFS= read -r f; do
		module_name "$f"
		path[$REPLY]="$f"
	done < <(find "$moddir/kernel" -name '*.ko*')
	if [ -f "$moddir/modules.builtin" ]; then
		while IFS= read -r f; do
			module_name "$f"
			builtin[$REPLY]=1
		done <"$moddir/modules.builtin"
	fi

	local order=() builtins=()
	# visit NAME: depth first, dependencies before the module.
	visit() {
		local m="${1//-/_}" file plain deps d
		[ -n "${seen[$m]:-}" ] && return 0
		seen[$m]=1
		if [ -n "${builtin[$m]:-}" ]; then
			builtins+=("$m")
			return 0
		fi
		file="${path[$m]:-}"
		[ -n "$file" ] || die "module $m is neither in the package nor built in ($release)"
		plain="$work/out/modules/$m.ko"
		case "$file" in
		*.ko) cp "$file" "$plain" ;;
		*.ko.xz) xz -dc "$file" >"$plain" ;;
		*.ko.zst) zstd -qdc "$file" >"$plain" ;;
		*.ko.gz) gzip -dc "$file" >"$plain" ;;
		*) die "unknown module compression: $file" ;;
		esac
		deps="$(tr '\0' '\n' <"$plain" | sed -n 's/^depends=//p' | head -n1)"
		for d in ${deps//,/ }; do
			visit "$d"
		done
		order+=("$m")
	}
	for n in $MODULES; do
		visit "$n"
	done
	printf '%s\n' "${order[@]}" >"$work/out/load-order"
	printf '%s\n' "${builtins[@]}" >"$work/out/built-in"
	printf '%s\n' "$release" >"$work/out/release"
	printf '%s %s\n' "$pkg" "$ver" >"$work/out/package"
	log "kernel $release: modules ${order[*]}; built in: ${builtins[*]:-none}"
	touch "$work/out/ready"
	rm -rf "$kdir"
	mv "$work/out" "$kdir"
	rm -rf "$work"
}

modules_key="$(printf '%s\n' $MODULES | sort -u | tr '\n' ' ')"
if ! [ -f "$kdir/ready" ] || [ "$(cat "$kdir/modules.key" 2>/dev/null)" != "$modules_key" ]; then
	extract_kernel
	printf '%s\n' "$modules_key" >"$kdir/modules.key"
fi
release="$(cat "$kdir/release")"

# ---- initramfs ------------------------------------------------------------------------------

key="$( (
	cat "$here/init"
	echo "$kdir"
	cat "$kdir/load-order"
	ls "$kdir"
	sha256sum "$busybox"
) | sha256sum | cut -c1-16)"
boot="$cache/boot-$key"
if ! [ -f "$boot/ready" ]; then
	log "building the initramfs ($(basename "$boot"))"
	work="$(mktemp -d "$cache/.boot.XXXXXX")"
	trap 'rm -rf "$work"' EXIT
	r="$work/root"
	mkdir -p "$r"/{bin,dev,proc,sys,lower,rw,newroot,lib/modules}
	cp "$busybox" "$r/bin/busybox"
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$r/bin/$applet"
	done
	ln -s bin "$r/sbin"
	cp "$kdir"/modules/*.ko "$r/lib/modules/"
	cp "$kdir/load-order" "$r/lib/modules/load-order"
	install -m 0755 "$here/init" "$r/init"
	# The kernel opens /dev/console before running /init.
	mknod -m 0600 "$r/dev/console" c 5 1
	mkdir "$work/boot"
	(cd "$r" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) |
		gzip -6 >"$work/boot/initrd.gz"
	kernel="$kdir/vmlinux"
	[ -f "$kernel" ] || kernel="$kdir/vmlinuz"
	ln "$kernel" "$work/boot/kernel" 2>/dev/null || cp "$kernel" "$work/boot/kernel"
	cp "$kdir/release" "$kdir/package" "$work/boot/"
	touch "$work/boot/ready"
	rm -rf "$boot"
	mv "$work/boot" "$boot"
fi

# "current" names the kernel and initramfs pair run.sh boots; replaced atomically.
ln -sfn "$(basename "$boot")" "$cache/.current.new" && mv -T "$cache/.current.new" "$cache/current"

# Older pairs and kernels go once no guest is running (run.sh holds use.lock shared while its
# guest lives); otherwise at a later prepare.
exec 8>"$cache/use.lock"
if flock -n -x 8; then
	for d in "$cache"/boot-*/ "$cache"/kernels/*/; do
		d="${d%/}"
		[ "$d" = "$boot" ] || [ "$d" = "$kdir" ] || rm -rf "$d"
	done
	for f in "$cache"/kernels/*.deb; do
		[ "$f" = "$kdir.deb" ] || rm -f "$f"
	done
fi
exec 8>&-
