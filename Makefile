# The two commands of the README: `make demo` (the main job) and `make test`.
# Both install what a bare Debian 12 lacks, then build with CMake.
# `make test` builds what `make demo` runs (the daemon and the synthetic GitHub) with g++ in
# BUILD_DIR, so every source is known to compile as users build it, then runs every test in
# SANITIZE_DIR (test-sanitize), built by clang with AddressSanitizer, LeakSanitizer and UBSan,
# where the parsers' fuzz targets also run for FUZZ_SMOKE_SECONDS each, from a fixed seed (a
# random find must not decide CI; `make fuzz` explores). The tests are compiled once:
# compiling them with g++ as well took a third of CI's 24 minutes. `make test-plain` runs them
# in BUILD_DIR; `make fuzz` runs the fuzz targets for FUZZ_SECONDS each.
BUILD_DIR ?= build
SANITIZE_DIR ?= build-asan
JOBS ?= $(shell nproc)
CONFIG ?= examples/ghharvest.toml
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 10
SANITIZE_CXX ?= clang++-14
# Any report fails: leaks included, UBSan never recovers (-fno-sanitize-recover=all too).
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1 \
                UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
                LSAN_OPTIONS=report_objects=1

.PHONY: all deps build program test test-plain test-sanitize build-sanitize fuzz demo bench systemd-check format install clean

all: build

deps:
	@bash scripts/install-deps.sh

# Line tables and function names (-g1), not full debug info: backtraces and perf still name
# every line; objects are a quarter the size and compile 13-35 % faster (measured on three
# library files), so the build and its ~80 links take less of the two cores.
$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The daemon and ghharvest-fakehub (the demo's GitHub), with the libraries they link.
program: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) --target ghharvest ghharvest-fakehub

test: program
	@$(MAKE) --no-print-directory test-sanitize

test-plain: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The sanitizer build: tests only (no benchmarks), -O1, line tables for the reports.
$(SANITIZE_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=$(SANITIZE_CXX) -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
	  -DGHHARVEST_SANITIZE=ON -DGHHARVEST_FUZZ=ON -DGHHARVEST_BUILD_BENCH=OFF

build-sanitize: deps $(SANITIZE_DIR)/CMakeCache.txt
	cmake --build $(SANITIZE_DIR) -j $(JOBS)

test-sanitize: build-sanitize
	cd $(SANITIZE_DIR) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) --timeout 600
	$(SANITIZER_ENV) JOBS=$(JOBS) FUZZ_SEED=1 bash tests/fuzz/run.sh $(SANITIZE_DIR) $(FUZZ_SMOKE_SECONDS)

fuzz: build-sanitize
	$(SANITIZER_ENV) JOBS=$(JOBS) bash tests/fuzz/run.sh $(SANITIZE_DIR) $(FUZZ_SECONDS)

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

bench: build
	@bash bench/run.sh $(BUILD_DIR)

# The unit under a real systemd 252 in systemd-nspawn (root, and Debian's archive the first
# time); not part of `make test`.
systemd-check: build
	@bash scripts/systemd-check.sh $(BUILD_DIR)

format:
	find include src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

install: build
	cmake --install $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
