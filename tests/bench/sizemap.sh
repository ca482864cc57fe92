#!/usr/bin/env bash
# Size map of the hull executable: what each dependency and each of hull's modules puts into the
# binary, from the linker map the build writes beside it (src/hull.map). A header-only library
# (nlohmann_json) and the standard library's templates have no archive of their own: their code
# is instantiated inside hull's objects, so a section of a hull object is charged to the library
# its symbol names (nlohmann_json, then a template of the standard library alone), and what
# remains to hull's own namespace (hull::oci, hull::cgroups, ...). The bytes are those of the
# loaded sections (.bss excluded) before stripping, so the total is about the stripped file's
# size. With --members, libstdc++ and libc are split by archive member; with --why MEMBER the
# linker's reason for pulling that member in is followed back to hull's object (e.g. --why
# assert.o).
#
# usage: tests/bench/sizemap.sh [--members] [--why MEMBER] [BUILD_DIR]   (default BUILD_DIR: build)
set -euo pipefail

members=0
why=""
build=""
while [ $# -gt 0 ]; do
	case "$1" in
	--members) members=1; shift ;;
	--why) [ $# -ge 2 ] || { echo "usage: $0 [--members] [--why MEMBER] [BUILD_DIR]" >&2; exit 2; }
		why="$2"; shift 2 ;;
	-h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "usage: $0 [--members] [--why MEMBER] [BUILD_DIR]" >&2; exit 2 ;;
	*) build="$1"; shift ;;
	esac
done
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${build:-$here/build}"
map="$build/src/hull.map"
bin="$build/src/hull"
[ -f "$map" ] || { echo "$0: no linker map at $map (build hull first)" >&2; exit 1; }
for tool in awk c++filt strip; do
	command -v "$tool" >/dev/null || { echo "$0: $tool is required (binutils, gawk or mawk)" >&2; exit 1; }
done

if [ -n "$why" ]; then
	# The map's first part pairs each archive member pulled in ("lib.a(member)" at the start of a
	# line) with the first reference that pulled it ("lib.a(other) (symbol)" on the next line).
	# The chain is followed back to an object of hull's own (or a loop).
	awk -v want="$why" '
		/^Discarded input sections/ { exit }
		/^[^ ].*[(][^()]*[)]$/ && !/^Removed property/ { cur = $0; sub(/^.*[(]/, "", cur); sub(/[)]$/, "", cur); next }
		cur != "" && /^ +[^ ]/ {
			line = $0; sub(/^ +/, "", line)
			by[cur] = line; cur = ""; next
		}
		{ cur = "" }
		END {
			m = want
			if (!(m in by)) print want ": not an archive member this link pulled in"
			for (i = 0; i < 50 && (m in by); i++) {
				print m " <- " by[m]
				r = by[m]; sub(/ [(].*$/, "", r)
				if (r !~ /[(][^()]*[)]$/) break
				sub(/^.*[(]/, "", r); sub(/[)]$/, "", r)
				if (r == m) break
				m = r
			}
		}' "$map" | c++filt
	exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One record per loaded input section: output section, size, input file, mangled symbol (or -).
awk '
	/^Linker script and memory map/ { on = 1; next }
	!on { next }
	/^[.][^ ]/ { out = $1; pend = ""; if (NF < 3) pend_out = 1; next }
	/^ [.][^ ]/ {
		name = $1
		if (NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/) { emit(name, $3, $4) } else { pend = name }
		next
	}
	/^ [*]fill[*]/ { if (NF >= 3) add_fill($3); next }
	pend != "" && /^ +0x[0-9a-f]+ +0x[0-9a-f]+ / { emit(pend, $2, $3); pend = ""; next }
	{ pend = "" }
	function add_fill(sz) { if (loaded(out)) printf "%s\t%d\t*fill*\t-\n", out, strtonum_(sz) }
	function loaded(o) {
		return o !~ /^[.](bss|tbss|comment|note[.]stapsdt|debug|stab|symtab|strtab|shstrtab|gnu[.]warning)/ &&
		       o !~ /^[.]debug/ && o != "" && o !~ /^\/DISCARD/
	}
	function strtonum_(h,   i, c, v) {
		h = tolower(h); sub(/^0x/, "", h); v = 0
		for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; v = v * 16 + c }
		return v
	}
	function emit(name, sz, file,   s, sym) {
		if (!loaded(out)) return
		s = strtonum_(sz)
		if (s == 0) return
		sym = "-"
		if (match(name, /_Z[A-Za-z0-9_.$]+/)) sym = substr(name, RSTART, RLENGTH)
		sub(/[.](isra|part|constprop|cold|lto_priv)[.].*$/, "", sym)
		sub(/[.](cold|isra|part|constprop)$/, "", sym)
		printf "%s\t%d\t%s\t%s\n", out, s, file, sym
	}
' "$map" >"$work/sections"

cut -f4 "$work/sections" | c++filt >"$work/demangled"
paste "$work/sections" "$work/demangled" >"$work/records"

# Charges each record to a component and a column (code, data, unwind).
awk -F'\t' -v members="$members" '
	function col(o) {
		if (o == ".text" || o == ".init" || o == ".fini" || o == ".plt" || o == ".iplt") return "code"
		if (o == ".eh_frame" || o == ".gcc_except_table" || o == ".eh_frame_hdr") return "unwind"
		return "data"
	}
	function member(f) { sub(/^.*[(]/, "", f); sub(/[)]$/, "", f); return f }
	function stdclass(m) {
		if (m ~ /(^|-)(w?locale|cxx11-w?locale|codecvt|ctype|numpunct|moneypunct|monetary|time_members|messages|facets|shim_facets|c[+][+]locale|ios_locale|locale_init|locale_facets|numeric_members|collate|lt[0-9]-codecvt)/) return "libstdc++ locale"
		if (m ~ /(ios|stream|streambuf|globals_io|basic_file|stdio_filebuf|fstream|sstream|iostream|ios_failure|ios_init)/) return "libstdc++ iostream"
		if (m ~ /^fs_|^cow-fs|^cxx11-fs|filesystem/) return "libstdc++ filesystem"
		if (m ~ /(string-inst|wstring|cow-string|sso_string|snprintf_lite|cow-stdexcept|cxx11-stdexcept|^stdexcept|functexcept)/) return "libstdc++ strings, exceptions"
		if (m ~ /(^eh_|type_info|tinfo|^bad_|guard|vterminate|^new_|^del_|pure|atexit|dyncast|vec|^cp-demangle)/) return "libstdc++ runtime (eh, rtti, new)"
		return "libstdc++ other"
	}
	function hullmod(d,   m) {
		if (match(d, /hull::[a-z_]+::/)) { m = substr(d, RSTART + 6, RLENGTH - 8); return "hull " m }
		return ""
	}
	function archive_mod(f) {
		if (f ~ /libhull_core[.]a/) return "hull src (unnamed)"
		if (f ~ /libhull_oci[.]a/) return "hull oci (unnamed)"
		if (f ~ /libhull_cgroups[.]a/) return "hull cgroups (unnamed)"
		if (f ~ /libhull_seccomp[.]a/) return "hull seccomp (unnamed)"
		if (f ~ /libhull_namespaces[.]a/) return "hull ns (unnamed)"
		if (f ~ /libhull_base[.]a/) return "hull include (unnamed)"
		if (f ~ /hull[.]dir\/main/) return "hull main"
		if (f ~ /ltrans/) return "hull + headers (LTO, unnamed)"
		return ""
	}
	{
		out = $1; size = $2; file = $3; d = $5; c = col(out); comp = ""
		if (file == "*fill*") comp = "alignment padding"
		else if (file ~ /libstdc[+][+][.]a/) comp = members ? "libstdc++ " member(file) : stdclass(member(file))
		else if (file ~ /libc[.]a/) comp = members ? "libc " member(file) : "libc"
		else if (file ~ /libm(-[0-9.]+)?[.]a|libmvec/) comp = "libm"
		else if (file ~ /libgcc(_eh)?[.]a/) comp = "libgcc"
		else if (file ~ /libseccomp[.]a/) comp = "libseccomp"
		else if (file ~ /libcap[.]a/) comp = "libcap"
		else if (file ~ /crt[a-zA-Z0-9]*[.]o/) comp = "C runtime start files"
		else if ((m = archive_mod(file)) != "" || file ~ /ltrans/) {
			if (d ~ /nlohmann/) comp = "nlohmann_json"
			else if ((h = hullmod(d)) != "") comp = h
			else if (d ~ /^(std|__gnu_cxx|__cxx)/ || d ~ /^(typeinfo|vtable|VTT|guard variable) for std/) comp = "std templates (instantiated)"
			else if (d ~ /^(vtable|typeinfo|typeinfo name|VTT) for hull::|^hull::/) comp = "hull (top)"
			else comp = m
		} else comp = "other: " file
		sum[comp, c] += size; tot[comp] += size; all[c] += size; grand += size
	}
	END {
		for (k in tot) printf "%s\t%d\t%d\t%d\t%d\n", k, sum[k, "code"], sum[k, "data"], sum[k, "unwind"], tot[k]
		printf "TOTAL\t%d\t%d\t%d\t%d\n", all["code"], all["data"], all["unwind"], grand
	}
' "$work/records" | sort -t$'\t' -k5,5nr >"$work/table"

strip -o "$work/stripped" "$bin" 2>/dev/null || true
printf 'hull: %s, %d bytes, %d stripped\n' "$bin" "$(stat -c %s "$bin")" "$(stat -c %s "$work/stripped" 2>/dev/null || echo 0)"
printf '%-34s %9s %9s %9s %9s %6s\n' component code data unwind total '%'
grand="$(awk -F'\t' '$1 == "TOTAL" { print $5 }' "$work/table")"
awk -F'\t' -v g="$grand" '
	$1 != "TOTAL" { printf "%-34s %9d %9d %9d %9d %5.1f%%\n", $1, $2, $3, $4, $5, 100 * $5 / g }
	$1 == "TOTAL" { t = $0 }
	END { split(t, f, "\t"); printf "%-34s %9d %9d %9d %9d\n", f[1], f[2], f[3], f[4], f[5] }
' "$work/table"
echo "(code: .text; data: .rodata, .data, .data.rel.ro, .init_array, ...; unwind: .eh_frame, .gcc_except_table)"
