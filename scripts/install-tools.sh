#!/usr/bin/env bash
# Installs the hardware tools the flows need, from Debian's packages, when they are missing:
# Verilator, Icarus Verilog and Yosys (and, with --fpga, nextpnr-ice40 and the IceStorm tools
# for the FPGA reports; with --asic, OpenSTA for the standard-cell report). Uses sudo when not
# root.
set -euo pipefail
packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
need verilator verilator
need iverilog iverilog
need yosys yosys
for option in "$@"; do
  case "$option" in
    --fpga) need nextpnr-ice40 nextpnr-ice40; need icepack fpga-icestorm ;;
    --asic) need sta opensta ;;
    *) echo "install-tools: unknown option '$option' (allowed: --fpga, --asic)" >&2; exit 2 ;;
  esac
done
[ ${#packages[@]} -eq 0 ] && exit 0
echo "install-tools: installing ${packages[*]}"
run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
run apt-get update -qq
run apt-get install -y -qq "${packages[@]}" >/dev/null
