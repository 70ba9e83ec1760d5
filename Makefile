# virt-rs build: cargo builds the Rust archive; the shared objects are then
# linked here with libvirt's version scripts (rustc's cdylib linking cannot
# carry named version nodes).

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
DESTDIR ?=
PROFILE ?= release
CC ?= cc
PYTHON ?= python3

BUILD := build
OUT := $(BUILD)/lib
CARGO_FLAGS := $(if $(filter release,$(PROFILE)),--release,)
ARCHIVE := target/$(PROFILE)/libvirt.a
NATIVE_LIBS := -lssl -lcrypto -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
SIDE_LIBS := libvirt-qemu libvirt-lxc libvirt-admin

.PHONY: all lib demo test test-rust test-c test-python test-valgrind-python sweep check-generated generate fuzz \
        coverage-report check-coverage install clean bench lint

all: lib

lib: $(OUT)/libvirt.so.0 $(foreach l,$(SIDE_LIBS),$(OUT)/$(l).so.0)

$(ARCHIVE): FORCE
	cargo build $(CARGO_FLAGS) --lib

$(OUT)/libvirt.so.0: $(ARCHIVE) gen/libvirt.map
	@mkdir -p $(OUT)
	$(CC) -shared -o $@ -Wl,-soname,libvirt.so.0 \
	  -Wl,--version-script=gen/libvirt.map -Wl,--no-undefined-version -Wl,--no-undefined \
	  -Wl,--whole-archive $(ARCHIVE) -Wl,--no-whole-archive $(NATIVE_LIBS)
	ln -sf libvirt.so.0 $(OUT)/libvirt.so

$(OUT)/%.so.0: gen/%.c gen/%.map $(OUT)/libvirt.so.0
	$(CC) -shared -fPIC -O2 -Iinclude -o $@ -Wl,-soname,$*.so.0 \
	  -Wl,--version-script=gen/$*.map -Wl,--no-undefined-version \
	  $< -L$(OUT) -lvirt
	ln -sf $*.so.0 $(OUT)/$*.so

FORCE:

# Regenerate headers, version scripts, API XML and Rust shims from api/.
generate:
	$(PYTHON) tools/gen_api.py

# Fails when a generated file no longer matches the spec.
check-generated:
	$(PYTHON) tools/check_generated.py

coverage-report:
	cargo run --quiet --bin api-coverage > docs/api-coverage.md

# Fails when docs/api-coverage.md no longer matches the code.
check-coverage:
	@mkdir -p $(BUILD)
	cargo run --quiet --bin api-coverage > $(BUILD)/api-coverage.md
	diff -u docs/api-coverage.md $(BUILD)/api-coverage.md

demo: lib
	$(CC) -Iinclude -o $(BUILD)/demo examples/demo.c -L$(OUT) -lvirt
	LD_LIBRARY_PATH=$(OUT) $(BUILD)/demo

test: lib lint check-generated check-coverage test-rust test-c test-python test-sdist test-valgrind-python sweep fuzz

test-rust:
	cargo test

test-c: lib
	$(MAKE) -C tests-c OUT=$(abspath $(OUT))

test-python: lib
	$(PYTHON) -m pytest -q python-tests --libdir=$(abspath $(OUT))

# libvirt-python 9.0.0 built from its PyPI sdist against an install of ours
# (headers, pkg-config, API XML), then imported and used
test-sdist: lib
	WORK=$(abspath $(BUILD))/sdist sh tools/pip_sdist_test.sh $(abspath $(BUILD))/prefix

# the ABI-wide bad-input sweep: libvirt's measured API-layer answers
# (api/semantics.json) against ours, every function and every bad input
sweep: lib
	rm -rf tools/probe/build/other
	$(PYTHON) tools/probe/run_probe.py --lib $(abspath $(OUT)) --out $(BUILD)/semantics-ours.json --runs 1 --jobs 2
	$(PYTHON) tools/probe/compare.py $(BUILD)/semantics-ours.json

# every differential scenario on our library inside valgrind memcheck
test-valgrind-python: lib
	$(PYTHON) tools/valgrind_scenarios.py $(abspath $(OUT))

# A short run of every fuzz target (cargo fuzz; libFuzzer needs the
# unstable sanitizer flags, which RUSTC_BOOTSTRAP enables on the stable
# toolchain). Inputs that made a target fail belong in fuzz/regressions/.
FUZZ_SECONDS ?= 5
fuzz:
	command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
	$(PYTHON) tools/fuzz_seeds.py
	cd fuzz && for t in $$(cargo fuzz list); do \
	  mkdir -p corpus/$$t; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run -O $$t corpus/$$t $$(ls -d regressions/$$t seeds/$$t 2>/dev/null) \
	    -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 2>&1 | grep -E "^(Done|stat::number_of_executed_units|==.*ERROR)" \
	    || exit 1; \
	  test ! -d artifacts/$$t || test -z "$$(ls artifacts/$$t)" || { echo "fuzz target $$t failed: fuzz/artifacts/$$t"; exit 1; }; \
	done

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

bench: lib
	$(MAKE) -C bench OUT=$(abspath $(OUT))

install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/libvirt \
	  $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(DATADIR)/libvirt/api
	for l in libvirt $(SIDE_LIBS); do \
	  install -m 755 $(OUT)/$$l.so.0 $(DESTDIR)$(LIBDIR)/$$l.so.0; \
	  ln -sf $$l.so.0 $(DESTDIR)$(LIBDIR)/$$l.so; \
	  install -m 644 gen/$$l-api.xml $(DESTDIR)$(DATADIR)/libvirt/api/$$l-api.xml; \
	  sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	      -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
	      pkgconfig/$$l.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/$$l.pc; \
	done
	install -m 644 include/libvirt/*.h $(DESTDIR)$(INCLUDEDIR)/libvirt/

clean:
	cargo clean
	rm -rf $(BUILD)
