# Thin wrapper over CMake. Quick start (as root on Debian 12): `make demo`, `make test`.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
# Tests at a time. The host suites each run in a sandbox of their own (tests/host/sandbox.sh) and
# wait on processes as much as they compute, so more than the cores pays; the guest and the
# engines always run alone.
TEST_JOBS ?= 4
CTEST := ctest --output-on-failure -j$(TEST_JOBS)
# Warnings are errors in every build made here (development and CI); a plain cmake build leaves
# HULL_WERROR off.
WERROR ?= ON
HULL := $(BUILD)/src/hull
BUNDLE := bundles/busybox

# Distribution packages the build and the tests need (Debian 12).
DEPS := cmake g++ make pkg-config libseccomp-dev libcap-dev nlohmann-json3-dev \
        doctest-dev bats busybox-static jq util-linux iproute2 procps strace qemu-system-x86

# What `make fuzz` needs on top of DEPS: clang and its fuzzer and sanitizer runtimes.
FUZZ_DEPS := clang libclang-rt-14-dev
FUZZ_BUILD ?= build-fuzz
# Seconds of libFuzzer per target.
FUZZ_SECONDS ?= 60

# What `make bench` runs hull beside (and what the smoke entry in `make test` needs).
BENCH_DEPS := crun runc
# Counted runs per batch and rounds of the benchmark (tests/bench/bench.sh).
BENCH_RUNS ?= 100
BENCH_ROUNDS ?= 3

.PHONY: all deps fuzz-deps bench-deps build demo check test unit host load vm clients integration \
        asan fuzz bench clean format

all: build

# Installs only what is missing; a no-op when everything is present.
deps fuzz-deps bench-deps:
	@missing=""; for p in $(if $(filter fuzz-deps,$@),$(FUZZ_DEPS),$(if $(filter bench-deps,$@),$(BENCH_DEPS),$(DEPS))); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DHULL_WERROR=$(WERROR) $(CMAKE_EXTRA)
	cmake --build $(BUILD) -j$(JOBS)

# Builds the busybox bundle and runs one container through create, start, state and delete,
# printing what the container sees.
demo: build
	@HULL=$(HULL) bash $(BUNDLE)/demo.sh

# The fast loop, as root: the build, the unit tests, the fuzz corpus replays and every host suite
# (the security battery, spec/, the cgroup suite on this machine's layout), without the qemu guest
# and the engines.
check: build
	cd $(BUILD) && $(CTEST) -L '^check$$'

# Everything: unit, host, the qemu guest under each cgroup layout, containerd, Docker, Podman, and
# the benchmark's smoke run (which needs crun and runc).
test: build bench-deps
	cd $(BUILD) && $(CTEST)

unit: build
	cd $(BUILD) && $(CTEST) -R '^unit/'

host: build
	cd $(BUILD) && $(CTEST) -R '^host/'

load: build
	cd $(BUILD) && $(CTEST) -R '^load/'

vm: build
	cd $(BUILD) && $(CTEST) -R '^vm/'

clients: build
	cd $(BUILD) && $(CTEST) -R '^clients/'

# Every suite that drives the real binary: host, load, vm and clients.
integration: build
	cd $(BUILD) && $(CTEST) -R '^(host|load|vm|clients)/'

# Every suite but the qemu guest, the engines and the load suites, built with AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer and with the fault points of the crash matrix
# (tests/crash/, which only this build runs); CI runs it after `make test`. The guest and the
# engines drive the same binary through paths the host suites cover; under TCG and the sanitizers
# together they would take most of CI's time. The load suites are about volume: ten times slower
# per call, a thousand containers alone outlast CTest's 600 s and the racing verbs never get an
# exec through, so they run in the release build only.
ASAN_BUILD := build-asan
asan:
	$(MAKE) build BUILD=$(ASAN_BUILD) BUILD_TYPE=Debug CMAKE_EXTRA="-DHULL_SANITIZE=ON -DHULL_FAULTS=ON $(CMAKE_EXTRA)"
	cd $(ASAN_BUILD) && $(CTEST) -E '^(vm|clients|load)/'

# The libFuzzer targets of tests/fuzz/ (clang, ASan + UBSan, in $(FUZZ_BUILD)), each run for
# FUZZ_SECONDS on a copy of its seed corpus; fails if any crashes (inputs under
# $(FUZZ_BUILD)/fuzz/crashes/).
fuzz: deps fuzz-deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DHULL_FUZZ=ON -DHULL_WERROR=$(WERROR) $(CMAKE_EXTRA)
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target hull_fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BUILD)

# The benchmark, as root: hull beside crun and runc on the busybox bundle, in the Release build.
# Prints the comparison and writes $(BUILD)/bench/results.json and bench.svg; BENCH_PUBLISH=1
# copies them to docs/bench.json and docs/bench.svg, which the README shows. Never part of
# `make test` (timing is not a test); its smoke run is.
bench: bench-deps
	$(MAKE) build BUILD_TYPE=Release
	HULL=$(HULL) HULL_BENCH_TIMER=$(BUILD)/tests/bench/hull-bench-timer BENCH_OUT=$(BUILD)/bench \
	  BENCH_RUNS=$(BENCH_RUNS) BENCH_ROUNDS=$(BENCH_ROUNDS) tests/bench/bench.sh
	$(if $(BENCH_PUBLISH),mkdir -p docs && cp $(BUILD)/bench/bench.svg docs/bench.svg && \
	  cp $(BUILD)/bench/results.json docs/bench.json)

format:
	git ls-files '*.cpp' '*.hpp' '*.c' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
