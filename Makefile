# nasd — the README's commands. Everything installs its dependencies first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
CONFIG ?= ./config.yaml
DATA ?= ./data

.PHONY: all deps build build-asan run test unit integration bench clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

# build/nasd, release with debug info.
build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target nasd

# With the benchmarks: make test runs each once at toy sizes (bench/smoke.sh).
# Reconfigured when this file changes, so a tree configured before follows.
$(ASAN_BUILD)/build.ninja: Makefile
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNASD_SANITIZE=ON -DNASD_BUILD_BENCH=ON

build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# First run: create ./data and ./config.yaml (printing the admin token); then serve on 127.0.0.1:8080.
run: build
	@if [ ! -f $(CONFIG) ]; then $(BUILD)/nasd --config $(CONFIG) init --storage-path $(DATA); fi
	exec $(BUILD)/nasd --config $(CONFIG) serve

# Every unit and integration test, under AddressSanitizer and UBSan.
test: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j 2

bench: build
	cmake --build $(BUILD) -j $(JOBS)
	bash bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
