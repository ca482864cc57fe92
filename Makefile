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
DEPS := cmake g++ make pkg-config libseccomp-dev libcap-dev nlohmann-json3-dev libcli11-dev \
        doctest-dev bats busybox-static jq util-linux iproute2 procps strace qemu-system-x86

.PHONY: all deps build demo check test unit host vm clients integration asan clean format

all: build

# Installs only what is missing; a no-op when everything is present.
deps:
	@missing=""; for p in $(DEPS); do \
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

# The fast loop, as root: the build, the unit tests and every host suite (the security battery,
# spec/, the cgroup suite on this machine's layout), without the qemu guest and the engines.
check: build
	cd $(BUILD) && $(CTEST) -L '^check$$'

# Everything: unit, host, the qemu guest under each cgroup layout, and containerd, Docker, Podman.
test: build
	cd $(BUILD) && $(CTEST)

unit: build
	cd $(BUILD) && $(CTEST) -R '^unit/'

host: build
	cd $(BUILD) && $(CTEST) -R '^host/'

vm: build
	cd $(BUILD) && $(CTEST) -R '^vm/'

clients: build
	cd $(BUILD) && $(CTEST) -R '^clients/'

# Every suite that drives the real binary: host, vm and clients.
integration: build
	cd $(BUILD) && $(CTEST) -R '^(host|vm|clients)/'

# The whole suite built with AddressSanitizer and UndefinedBehaviorSanitizer, with the fault points
# of the crash-consistency suite (tests/crash/) compiled in.
asan:
	$(MAKE) test BUILD=build-asan BUILD_TYPE=Debug CMAKE_EXTRA="-DHULL_SANITIZE=ON -DHULL_FAULTS=ON"

format:
	git ls-files '*.cpp' '*.hpp' '*.c' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan
