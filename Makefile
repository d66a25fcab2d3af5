# Everyday commands. `make demo` and `make test` do all set-up on a fresh Debian 12 machine.
BUILD ?= build
TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

# The engine and store tests the sanitizer builds run (make test-asan / test-tsan).
SANITIZER_TESTS ?= engine_store_test engine_scheduler_test engine_plan_test interpreter_test \
  pg_store_test
empty :=
space := $(empty) $(empty)
SANITIZER_REGEX = ^($(subst $(space),|,$(strip $(SANITIZER_TESTS))))$$

.PHONY: all deps configure build test demo demo-hello demo-deploy demo-shared docs \
  test-asan test-tsan ci-full bench fuzz format check-format clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@if [ ! -f $(BUILD)/build.ninja ]; then \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(TYPE); fi

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 900

demo: build
	bash scripts/demo.sh $(BUILD)

demo-hello: build
	$(BUILD)/cli/dandori run examples/hello.flow --store $(BUILD)/demo-state.db

demo-deploy: build
	bash scripts/demo-deploy.sh $(BUILD)

demo-shared: build
	bash scripts/demo-shared.sh $(BUILD)

# Regenerates docs/operators.md from the signature registry (ops_doc_test checks it).
docs: build
	$(BUILD)/cli/dandori ops --markdown > docs/operators.md

# AddressSanitizer + UndefinedBehaviorSanitizer / ThreadSanitizer builds of the engine
# and store tests, each in its own build folder; any report fails the run.
test-asan: deps
	@if [ ! -f build-asan/build.ninja ]; then \
	  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDANDORI_SANITIZE=ON; fi
	cmake --build build-asan -j $(JOBS) --target $(SANITIZER_TESTS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --test-dir build-asan --output-on-failure -j $(JOBS) --timeout 1800 -R '$(SANITIZER_REGEX)'

test-tsan: deps
	@if [ ! -f build-tsan/build.ninja ]; then \
	  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDANDORI_TSAN=ON; fi
	cmake --build build-tsan -j $(JOBS) --target $(SANITIZER_TESTS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir build-tsan --output-on-failure -j $(JOBS) --timeout 1800 \
	  -R '$(SANITIZER_REGEX)'

# Everything CI runs plus the sanitizer builds (too long for every push; see README).
ci-full: test test-asan test-tsan

bench: build
	bash bench/run.sh $(BUILD)

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

check-format:
	git ls-files '*.h' '*.cc' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD)
