#!/usr/bin/env bash
# Builds and runs one testbench harness against one module's golden vectors.
#
#   scripts/testbench.sh verilator|icarus MODULE HARNESS RTL_DIR VECTOR_DIR OUT_DIR [+plusargs]
#
# Prints the harness's report lines prefixed with the simulator, and exits 0 only when the
# harness ends with "N passed, 0 failed". TRACE=1 (Verilator) writes OUT_DIR/MODULE.fst;
# TB_DEFINES="NAME ..." defines macros for the harness (NO_STALLS: no random bubbles).
# The Verilator build is reused when nothing it depends on changed.
set -uo pipefail
simulator=$1 module=$2 harness=$3 rtl=$4 vectors=$5 out=$6
shift 6
mkdir -p "$out"
log="$out/$module.log"
case "$simulator" in
  verilator)
    obj="$out/$module"
    flags=(--cc --exe --build -j 1 -Wall --prefix Vtb -O3 -CFLAGS -O2)
    [ "${TRACE:-0}" = 1 ] && flags+=(--trace-fst)
    for define in ${TB_DEFINES:-}; do flags+=("+define+$define"); done
    stamp="$obj/.inputs"
    inputs="$(cat "$rtl"/*.v "$vectors/$module/config.vh" testbenches/* 2>/dev/null | md5sum) trace=${TRACE:-0} defines=${TB_DEFINES:-}"
    if [ ! -x "$obj/sim" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$inputs" ]; then
      rm -rf "$obj"
      if ! verilator "${flags[@]}" --top-module "$harness" -Mdir "$obj" -o sim -Itestbenches -I"$vectors/$module" \
        -y "$rtl" "testbenches/$harness.v" "$PWD/testbenches/verilator_main.cpp" > "$out/$module.build.log" 2>&1; then
        echo "verilator: $module: the testbench did not build:"; grep -E "%(Error|Warning)" "$out/$module.build.log" | head -20
        exit 1
      fi
      echo "$inputs" > "$stamp"
    fi
    trace=()
    [ "${TRACE:-0}" = 1 ] && trace=("+trace=$out/$module.fst")
    "$obj/sim" "${trace[@]}" "$@" > "$log" 2>&1
    ;;
  icarus)
    defines=()
    for define in ${TB_DEFINES:-}; do defines+=("-D$define"); done
    if ! iverilog -g2005 -Wall -Wno-timescale "${defines[@]}" -o "$out/$module.vvp" -DHARNESS="$harness" -Itestbenches \
      -I"$vectors/$module" -y "$rtl" -Y .v "testbenches/$harness.v" testbenches/icarus_clock.v \
      > "$out/$module.build.log" 2>&1; then
      echo "icarus: $module: the testbench did not build:"; head -20 "$out/$module.build.log"
      exit 1
    fi
    vvp -n "$out/$module.vvp" "$@" > "$log" 2>&1
    ;;
  *) echo "testbench.sh: unknown simulator '$simulator' (verilator or icarus)" >&2; exit 2 ;;
esac
grep -v "\$finish\|^VCD info" "$log" | sed "s/^/$simulator: /"
grep -q " passed, 0 failed$" "$log"
