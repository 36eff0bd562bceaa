# dialectgen: build, test, emit, verify and benchmark. See README.md and docs/verification.md.
#
#   make test             every test: Swift tests, lint, Verilator, Icarus, formal, mutation,
#                         rtl-out staleness
#   make verilate         emit + vectors (when stale) + every testbench under Verilator
#   make sim-icarus       the same vectors under Icarus Verilog
#   make formal           equivalence proofs with Yosys
#   make lint             Verilator -Wall and Yosys on every emitted module
#   make regress          the whole flow over many configurations
#   make bench            throughput benchmarks (release build)
#
# CONFIG=file.json runs the hardware flow for another configuration in build/<name>/;
# TRACE=1 makes Verilator write a waveform per testbench; COUNT and SEED set the vectors;
# ICARUS_VECTORS limits Icarus to a prefix of each vector file (0: all).

SWIFT ?= swift
JOBS ?= 2
CONFIG ?=
TRACE ?= 0
COUNT ?= 100000
SEED ?= 1
# Icarus replays the first ICARUS_VECTORS vectors of each file (0: all of them).
ICARUS_VECTORS ?= 25000

ifeq ($(CONFIG),)
  NAME := default
  RTL := rtl-out
  DESIGN_FLAGS :=
else
  NAME := $(basename $(notdir $(CONFIG)))
  RTL := build/$(NAME)/rtl
  DESIGN_FLAGS := --config $(CONFIG)
endif
BUILD := build/$(NAME)
VECTORS := $(BUILD)/vectors
DIALECTGEN := .build/debug/dialectgen
SWIFT_SOURCES := $(shell find Sources -name '*.swift') Package.swift
HARNESS_FILES := $(wildcard testbenches/*.v testbenches/*.vh testbenches/*.cpp)

VERILATOR_FLAGS := --cc --exe --build -j 1 -Wall --prefix Vtb -O3 -CFLAGS -O2
ifeq ($(TRACE),1)
  VERILATOR_FLAGS += --trace-fst
endif

.PHONY: all build release test swift-test lint verilate sim-icarus formal mutation regress \
        rtl-check emit vectors bench bench-verilator format clean

all: build

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# ---------------------------------------------------------------------------------------------
# Tests

test: swift-test lint verilate sim-icarus formal mutation rtl-check

swift-test:
	DIALECTGEN_REQUIRE_TOOLS=1 $(SWIFT) test --parallel --num-workers $(JOBS)

# The generator binary, rebuilt when any Swift source changes.
$(DIALECTGEN): $(SWIFT_SOURCES)
	$(SWIFT) build --product dialectgen
	@touch $@

# ---------------------------------------------------------------------------------------------
# RTL and vectors, regenerated when the generator or the configuration changes.

$(RTL)/manifest.json: $(DIALECTGEN) $(CONFIG)
	$(DIALECTGEN) emit $(DESIGN_FLAGS) --out $(RTL)

$(VECTORS)/testbenches.mk: $(DIALECTGEN) $(CONFIG)
	$(DIALECTGEN) vectors $(DESIGN_FLAGS) --count $(COUNT) --seed $(SEED) --out $(VECTORS)

emit: $(RTL)/manifest.json
vectors: $(VECTORS)/testbenches.mk

# Names the harness of each module (VECTOR_MODULES, HARNESS_<module>).
-include $(VECTORS)/testbenches.mk

lint: $(RTL)/manifest.json
	scripts/lint.sh $(RTL)

# rtl-out/ must be exactly what `dialectgen emit` writes today.
rtl-check: $(DIALECTGEN)
	@rm -rf build/rtl-check && $(DIALECTGEN) emit --out build/rtl-check >/dev/null
	@if diff -r build/rtl-check rtl-out >/dev/null; then echo "rtl-check: rtl-out/ matches a fresh emit"; \
	 else echo "rtl-check: rtl-out/ is stale; run 'make emit' and commit it:"; diff -rq build/rtl-check rtl-out; exit 1; fi

# ---------------------------------------------------------------------------------------------
# Verilator: one simulator per module, built in parallel, then run.

# Keep the simulators between runs (make would delete them as intermediate files).
.SECONDARY:

$(BUILD)/verilator/%/sim: $(RTL)/manifest.json $(VECTORS)/testbenches.mk $(HARNESS_FILES)
	@rm -rf $(BUILD)/verilator/$*
	verilator $(VERILATOR_FLAGS) --top-module $(HARNESS_$*) -Mdir $(BUILD)/verilator/$* -o sim \
	  -Itestbenches -I$(VECTORS)/$* -y $(RTL) testbenches/$(HARNESS_$*).v $(CURDIR)/testbenches/verilator_main.cpp \
	  > $(BUILD)/verilator/$*.build.log 2>&1 || (cat $(BUILD)/verilator/$*.build.log; exit 1)

$(BUILD)/verilator/%.result: $(BUILD)/verilator/%/sim
	@mkdir -p $(BUILD)/waves
	@$< $(if $(filter 1,$(TRACE)),+trace=$(BUILD)/waves/$*.fst) > $(BUILD)/verilator/$*.log 2>&1; \
	 grep -v "Verilog \$$finish" $(BUILD)/verilator/$*.log | sed 's/^/verilator: /'; \
	 grep -q " passed, 0 failed" $(BUILD)/verilator/$*.log && touch $@ || (rm -f $@; exit 1)

verilate: $(RTL)/manifest.json $(VECTORS)/testbenches.mk
	@rm -f $(BUILD)/verilator/*.result
	@$(MAKE) --no-print-directory -j$(JOBS) -k $(VECTOR_MODULES:%=$(BUILD)/verilator/%.result) CONFIG=$(CONFIG) \
	  || (echo "verilate: FAILED (logs in $(BUILD)/verilator/)"; exit 1)
	@echo "verilate: every testbench passed under Verilator ($(NAME))"

# ---------------------------------------------------------------------------------------------
# Icarus Verilog: the same harnesses and vectors.

$(BUILD)/icarus/%.result: $(RTL)/manifest.json $(VECTORS)/testbenches.mk $(HARNESS_FILES)
	@mkdir -p $(BUILD)/icarus
	@iverilog -g2005 -Wall -Wno-timescale -o $(BUILD)/icarus/$*.vvp -DHARNESS=$(HARNESS_$*) -Itestbenches \
	  -I$(VECTORS)/$* -y $(RTL) -Y .v testbenches/$(HARNESS_$*).v testbenches/icarus_clock.v \
	  > $(BUILD)/icarus/$*.build.log 2>&1 || (cat $(BUILD)/icarus/$*.build.log; exit 1)
	@vvp -n $(BUILD)/icarus/$*.vvp +vectors=$(ICARUS_VECTORS) > $(BUILD)/icarus/$*.log 2>&1; \
	 grep -v "^VCD\|\$$finish" $(BUILD)/icarus/$*.log | sed 's/^/icarus: /'; \
	 grep -q " passed, 0 failed" $(BUILD)/icarus/$*.log && touch $@ || (rm -f $@; exit 1)

sim-icarus: $(RTL)/manifest.json $(VECTORS)/testbenches.mk
	@rm -f $(BUILD)/icarus/*.result
	@$(MAKE) --no-print-directory -j$(JOBS) -k $(VECTOR_MODULES:%=$(BUILD)/icarus/%.result) CONFIG=$(CONFIG) \
	  || (echo "sim-icarus: FAILED (logs in $(BUILD)/icarus/)"; exit 1)
	@echo "sim-icarus: every testbench passed under Icarus Verilog ($(NAME))"

# ---------------------------------------------------------------------------------------------
# Benchmarks

bench: release
	.build/release/dialectgen bench

format:
	swift-format format --in-place --recursive Package.swift Sources Tests

clean:
	rm -rf .build build
