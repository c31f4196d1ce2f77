# FullNAT load balancer: fullnat.ko (director), toa.ko (real servers), lbctl.
#
#   make            build fullnat.ko, toa.ko and lbctl
#   make deps       install the Debian packages for build, tests and demo
#   make check      unit tests, then the VM scenarios (T=name[,name] for some)
#   make demo       run the demo cluster in the VM
#   make bench      measure the data path against IPVS, routing, HAProxy
#                   (not part of check; results in bench/results/)
#   make fuzz       the long fuzzer runs: fuzz_packets, fuzz_netlink with
#                   FUZZ_PKTS (2M), FUZZ_NL (1M) and FUZZ_SEED (1)
#   make install    install modules and lbctl on this machine
#   make check-debug  the VM scenarios (T=...) on a debug kernel (KASAN,
#                   lockdep, kmemleak...) built and cached by
#                   scripts/debug-kernel.sh
#
# KDIR selects the kernel tree: the running kernel's build directory if it
# exists, else the newest installed Debian linux-headers-*-amd64.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)))
KVER = $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

.PHONY: all modules lbctl tools deps check unit vm demo bench fuzz vm-shell install \
	modules_install clean print-kver check-debug

all: modules lbctl

modules:
	@test -n "$(KDIR)" && test -d "$(KDIR)" || { \
		echo "No kernel build tree: install linux-headers-amd64 (make deps) or set KDIR=" >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

lbctl:
	$(MAKE) -C lbctl

# test programs and the test-only module tests/kmod/fnat_delay.ko for the VM
# (not installed)
tools:
	$(MAKE) -C tests/tools
	$(MAKE) -C tests/kmod KDIR=$(KDIR)

deps:
	scripts/install-deps.sh

print-kver:
	@test -n "$(KVER)" || { echo "cannot read include/generated/utsrelease.h in KDIR=$(KDIR)" >&2; exit 1; }
	@echo $(KVER)

unit:
	$(MAKE) -C tests/unit check

vm: all tools
	tests/vm/run.sh --kver $(KVER) $(subst $(comma), ,$(T))

check: all tools
	tests/check.sh $(KVER) $(T)

# our modules are built against the debug kernel in a copy of the tree
check-debug: lbctl
	$(MAKE) -C tests/tools
	scripts/check-debug.sh $(subst $(comma), ,$(T))

demo: all tools
	tests/vm/run.sh --kver $(KVER) --demo

bench: all tools
	tests/vm/run.sh --kver $(KVER) --bench
	bench/report.sh build/vm/bench.log

# The fuzzers' long runs (make check runs them with a bounded size).
FUZZ_PKTS ?= 2000000
FUZZ_NL ?= 1000000
FUZZ_SEED ?= 1
FUZZ_NL_EVERY ?= 64
FUZZ_TIMEOUT ?= 36000
fuzz: all tools
	FUZZ_PKTS=$(FUZZ_PKTS) FUZZ_NL=$(FUZZ_NL) FUZZ_SEED=$(FUZZ_SEED) \
	FUZZ_NL_EVERY=$(FUZZ_NL_EVERY) \
	FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) \
		tests/vm/run.sh --kver $(KVER) $(or $(subst $(comma), ,$(T)),fuzz_packets fuzz_netlink)

vm-shell: all tools
	tests/vm/run.sh --kver $(KVER) --shell

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KVER)

install: modules_install
	$(MAKE) -C lbctl install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C lbctl clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/tools clean
	$(MAKE) -C tests/kmod KDIR=$(KDIR) clean
	rm -rf build

comma := ,
