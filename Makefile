# Thin wrapper over CMake presets. `make run`: the main job on the default study; `make test`: every test.
# `make install PREFIX=DIR`: bin/rightsize and share/rightsize/{models,data,examples,web} under DIR;
# `make deb`: a Debian package of the same files (build/<preset>/rightsize_<version>_<arch>.deb).
# `make readme`: regenerate the generated sections of README.md and docs/; `make bench`: run the
# benchmarks and write bench/RESULTS.md (quoted by the README); `make bench-scale`: the same for
# bench/SCALE_RESULTS.md (streamed sweeps, MPI, the fit against scipy); `make mutation`: check that the
# tests catch a set of one-line physics bugs (tests/mutation/, not part of `make test`).
JOBS ?= $(shell nproc)
PRESET ?= release
BUILD_DIR := build/$(PRESET)
# Executions per fuzz harness: `make test` runs a smoke pass, `make fuzz` a long run.
FUZZ_SMOKE_RUNS ?= 10000
FUZZ_RUNS ?= 1000000
PREFIX ?= /usr/local
export FUZZ_MAX_SECONDS FUZZ_HARNESSES

.PHONY: deps build run install deb test bench bench-scale bench-whatif readme mutation clean format golden fuzz

deps:
	@bash cmake/install-deps.sh

build: deps
	@cmake --preset $(PRESET) > /dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

run: build
	@$(BUILD_DIR)/rightsize run examples/default-study.yaml

install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

deb: build
	@cd $(BUILD_DIR) && cpack -G DEB

# What CI runs (.ci/run), in three stages:
#  1. the ci preset (warnings are errors): every test, C++ and Python;
#  2. the sanitize preset (clang, ASan + UBSan; no benchmarks, no Python module): the C++ tests;
#  3. every fuzz harness of the sanitize build for FUZZ_SMOKE_RUNS executions on its seed corpus
#     and regression inputs (tests/fuzz/README.md).
test:
	@$(MAKE) --no-print-directory build PRESET=ci
	@ctest --preset ci -j $(JOBS)
	@$(MAKE) --no-print-directory build PRESET=sanitize
	@ctest --preset sanitize -j $(JOBS)
	@bash tests/fuzz/run_fuzz.sh build/sanitize $(FUZZ_SMOKE_RUNS)

# A long fuzzing run (FUZZ_RUNS executions per harness, or FUZZ_MAX_SECONDS each if set); its
# table goes to tests/fuzz/RESULTS.md, which the README quotes.
fuzz:
	@$(MAKE) --no-print-directory build PRESET=fuzz
	@bash tests/fuzz/run_fuzz.sh build/fuzz $(FUZZ_RUNS)
	@cp build/fuzz/fuzz/report.md tests/fuzz/RESULTS.md
	@/usr/bin/python3 tests/readme/readme_sections.py --update --only fuzzing --cli build/ci/rightsize

bench: build
	@/usr/bin/python3 bench/run_benchmarks.py --build-dir $(BUILD_DIR) -o bench/RESULTS.md
	@/usr/bin/python3 tests/readme/readme_sections.py --update --only performance --cli $(BUILD_DIR)/rightsize

# `make bench-scale`: streamed sweeps of 10^6, 10^7 and 10^8 points to .zst and .gz (peak
# memory; SCALE_FLAGS="--sizes 1e6,1e7" for a shorter run, extrapolated), a sweep's cost per point,
# 2-rank MPI efficiency, full predictions per second and the Chinchilla fit against scipy; writes
# bench/SCALE_RESULTS.md and the README section quoting it (docs/mpi.md).
bench-scale: build
	@/usr/bin/python3 bench/scale_benchmarks.py --build-dir $(BUILD_DIR) -o bench/SCALE_RESULTS.md $(SCALE_FLAGS)
	@/usr/bin/python3 tests/readme/readme_sections.py --update --only scale --cli $(BUILD_DIR)/rightsize

# How long the what-if page (`rightsize serve`) waits per update; bench/WHATIF.md, quoted by the
# README.
bench-whatif: build
	@/usr/bin/python3 bench/whatif_latency.py --cli $(BUILD_DIR)/rightsize -o bench/WHATIF.md
	@/usr/bin/python3 tests/readme/readme_sections.py --update --only whatif-latency --cli $(BUILD_DIR)/rightsize

readme: build
	@/usr/bin/python3 tests/readme/readme_sections.py --update --cli $(BUILD_DIR)/rightsize

mutation: deps
	@/usr/bin/python3 tests/mutation/run_mutations.py --jobs $(JOBS)

# Rewrites tests/golden/expected/ from the current binary (review the diff before committing).
golden: build
	@tests/golden/check.sh $(BUILD_DIR)/rightsize --update

clean:
	rm -rf build

format: deps
	clang-format-14 -i $$(find sim tests bench -type f \( -name '*.cc' -o -name '*.h' \))
