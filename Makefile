# Everyday commands. `make demo` and `make test` do all set-up on a fresh Debian 12 machine.
BUILD ?= build
TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test demo demo-hello demo-deploy demo-shared bench fuzz format check-format clean

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

bench: build
	bash bench/run.sh $(BUILD)

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

check-format:
	git ls-files '*.h' '*.cc' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD)
