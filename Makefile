# FullNAT load balancer: fullnat.ko (director), toa.ko (real servers), lbctl.
#
#   make            build fullnat.ko, toa.ko and lbctl
#   make deps       install the Debian packages for build, tests and demo
#   make check      unit tests, the VM scenarios (T=name[,name] for some),
#                   builds for the kernel matrix and its core scenarios on two,
#                   the Debian packages (as root; KVER=VERSION: that kernel only)
#   make check-kernels  the whole suite on every kernel of the matrix
#                   (ONLY=FLAVOUR,... for some; KEEP=1 spreads it over
#                   several sittings: a flavour that passed with the same
#                   sources is not run again, its row says when)
#   make demo       run the demo cluster in the VM
#   make bench      measure the data path against IPVS, routing, HAProxy
#                   (not part of check; results in bench/results/)
#   make fuzz       the long fuzzer runs: fuzz_packets, fuzz_netlink with
#                   FUZZ_PKTS (2M), FUZZ_NL (1M) and FUZZ_SEED (1)
#   make install    install modules and lbctl on this machine
#   make check-debug  the VM scenarios (T=..., or PART=I/N for the I-th of
#                   N parts) on a debug kernel (KASAN, lockdep, kmemleak...)
#                   built and cached by scripts/debug-kernel.sh
#   make deb        Debian packages fullnat-dkms, toa-dkms, lbctl in build/deb/
#   make check-deb  build, install (DKMS builds for every kernel), boot the
#                   VM with the DKMS-built modules, purge (as root)
#
# KVER=VERSION builds and tests for that installed kernel (make check
# KVER=6.12.118+deb12-rt-amd64); KDIR=DIR names a kernel build tree instead.
# Without either: the running kernel if its headers are installed, else
# Debian's default kernel (the one linux-headers-amd64 depends on), else the
# newest installed linux-headers-*-amd64.

ifdef KVER
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build /usr/src/linux-headers-$(KVER)))
else
DEBIAN_KDIR := $(patsubst %,/usr/src/%,$(firstword $(shell dpkg-query -W \
	-f='$${Depends}' linux-headers-amd64 2>/dev/null)))
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(wildcard $(DEBIAN_KDIR)) \
	$(lastword $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)))
KVER = $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
endif

.PHONY: all kdir-check modules lbctl tools deps check check-kernels check-debug unit vm demo bench fuzz \
	vm-shell install modules_install clean print-kver

# lbctl after the modules, not beside them (make -j): kdir-check's Kbuild
# clean deletes every *.o under this tree, lbctl's too.
all: modules
	$(MAKE) lbctl

# Kbuild does not rebuild when only the kernel tree changes (its command
# lines name the tree's headers by relative paths): a build for another
# tree than the last one starts clean.
kdir-check:
	@test -n "$(KDIR)" && test -d "$(KDIR)" || { \
		echo "No kernel build tree$(if $(KVER), for $(KVER)): install linux-headers-$(or $(KVER),amd64) (make deps) or set KDIR=" >&2; \
		exit 1; }
	@mkdir -p build
	@if [ "$$(cat build/.kdir 2>/dev/null)" != "$(KDIR)" ]; then \
		rm -f build/.kdir && \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR) clean && \
		$(MAKE) -s -C tests/kmod KDIR=$(KDIR) clean; fi
	@# (not in the line above: make -n runs lines that call $$(MAKE))
	@[ -e build/.kdir ] || echo "$(KDIR)" > build/.kdir

modules: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

lbctl:
	$(MAKE) -C lbctl

# test programs and the test-only modules tests/kmod/*.ko for the VM
# (not installed)
tools: kdir-check
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

# An explicit KVER tests that kernel alone; the default adds the matrix.
check: all tools
	FNAT_MATRIX=$(if $(filter command line environment,$(origin KVER)),0,1) \
		tests/check.sh $(KVER) $(T)

# Every kernel of tests/kernels.conf: build, then the whole suite (or T=).
check-kernels: lbctl tools
	tests/kernels.sh --boot all $(if $(filter 1,$(KEEP)),--keep) $(if $(ONLY),--only $(ONLY)) \
		$(subst $(comma), ,$(T))

# our modules are built against the debug kernel in a copy of the tree
check-debug: lbctl
	$(MAKE) -C tests/tools
	FNAT_DEBUG_PART=$(PART) scripts/check-debug.sh $(subst $(comma), ,$(T))

demo: all tools
	tests/vm/run.sh --kver $(KVER) --demo

bench: all tools
	tests/vm/run.sh --kver $(KVER) --bench
	bench/report.sh $${FNAT_VM_OUT:-build/vm}/bench.log

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

.PHONY: deb check-deb

deb:
	scripts/build-deb.sh

# The VM takes lbctl and the test programs from the tree.
check-deb: lbctl
	$(MAKE) -C tests/tools
	tests/deb.sh

comma := ,
