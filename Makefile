# The two commands of the README: `make demo` (the main job) and `make test`.
# Both install what a bare Debian 12 lacks, then build with CMake.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CONFIG ?= examples/ghharvest.toml

.PHONY: all deps build test demo bench format install clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

bench: build
	@bash bench/run.sh $(BUILD_DIR)

format:
	find include src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

install: build
	cmake --install $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
