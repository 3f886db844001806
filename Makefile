# Thin wrapper over CMake presets. `make run`: the main job on the default study; `make test`: every test.
JOBS ?= $(shell nproc)
PRESET ?= release
BUILD_DIR := build/$(PRESET)

.PHONY: deps build run test bench clean format golden

deps:
	@bash cmake/install-deps.sh

build: deps
	@cmake --preset $(PRESET) > /dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

run: build
	@$(BUILD_DIR)/rightsize run examples/default-study.yaml

test: PRESET = ci
test: build
	@ctest --preset $(PRESET) -j $(JOBS)

bench: build
	@$(BUILD_DIR)/rightsize bench

# Rewrites tests/golden/expected/ from the current binary (review the diff before committing).
golden: build
	@tests/golden/check.sh $(BUILD_DIR)/rightsize --update

clean:
	rm -rf build

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
