# Thin wrapper over CMake presets. `make run`: the main job on the default study; `make test`: every test.
# `make readme`: regenerate the generated sections of README.md and docs/; `make bench`: run the
# benchmarks and write bench/RESULTS.md (quoted by the README); `make mutation`: check that the
# tests catch a set of one-line physics bugs (tests/mutation/, not part of `make test`).
JOBS ?= $(shell nproc)
PRESET ?= release
BUILD_DIR := build/$(PRESET)

.PHONY: deps build run test bench readme mutation clean format golden

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
	@/usr/bin/python3 bench/run_benchmarks.py --build-dir $(BUILD_DIR) -o bench/RESULTS.md
	@/usr/bin/python3 tests/readme/readme_sections.py --update --only performance --cli $(BUILD_DIR)/rightsize

readme: build
	@/usr/bin/python3 tests/readme/readme_sections.py --update --cli $(BUILD_DIR)/rightsize

mutation: deps
	@/usr/bin/python3 tests/mutation/run_mutations.py --jobs $(JOBS)

# Rewrites tests/golden/expected/ from the current binary (review the diff before committing).
golden: build
	@tests/golden/check.sh $(BUILD_DIR)/rightsize --update

clean:
	rm -rf build

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
