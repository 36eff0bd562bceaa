# dialectgen: build, test and benchmark. See README.md.
SWIFT ?= swift
JOBS ?= 2

.PHONY: all build release test swift-test bench format clean

all: build

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# Every test: the Swift unit tests (more checks join as the hardware flow lands).
test: swift-test

swift-test:
	$(SWIFT) test --parallel --num-workers $(JOBS)

# Throughput figures, release build.
bench: release
	.build/release/dialectgen bench

format:
	swift-format format --in-place --recursive Package.swift Sources Tests

clean:
	rm -rf .build
