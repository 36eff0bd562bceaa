#!/usr/bin/env bash
# Utilization of the accelerator tile with double buffering: a seeded synthetic M x K layer
# (default 1024 x 1024) and V vectors (default 8) through the emitted bd_tile under Verilator,
# every stream without bubbles or back-pressure (NO_STALLS), and every result checked against
# the numerics model as in any session. The run's cycles are those between the load's status
# beat and the run's; the ideal is V x ceil(M/R) x K/n cycles of R x n MACs each.
#
#   scripts/tile-bench.sh [M K V]        (make bench-tile)
#
# Prints the measured cycles, the ideal, the utilization, and Verilator's simulation speed;
# fails when the utilization is below 95 %.
set -euo pipefail
rows=${1:-1024}
columns=${2:-1024}
vectors=${3:-8}
dialectgen=${DIALECTGEN:-.build/debug/dialectgen}
rtl=${RTL:-rtl-out}
work=build/tile-bench
mkdir -p "$work"

# The layer (F32, normal(0, 0.02)) and the activations (F16, normal(0, 1)), seeded; Python's
# standard library only.
python3 - "$work" "$rows" "$columns" "$vectors" <<'PY'
import json, random, struct, sys
work, m, k, v = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def write(path, name, dtype, shape, data):
    header = json.dumps({name: {"dtype": dtype, "shape": shape, "data_offsets": [0, len(data)]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)
rng = random.Random(14)
write(f"{work}/layer.safetensors", "weight", "F32", [m, k],
      struct.pack(f"<{m * k}f", *(rng.gauss(0, 0.02) for _ in range(m * k))))
write(f"{work}/x.safetensors", "x", "F16", [v, k],
      struct.pack(f"<{v * k}e", *(rng.gauss(0, 1) for _ in range(v * k))))
PY
"$dialectgen" quantize "$work/layer.safetensors" -o "$work/layer.bd.safetensors" >/dev/null
"$dialectgen" tile-vectors "$work/layer.bd.safetensors" "$work/x.safetensors" --out "$work/session" | sed 's/^/tile-bench: /'
module=$(ls "$work/session" | grep -v -e manifest.json -e '^\.')
units=$(grep -o '"rows": [0-9]*' "$work/session/manifest.json" | head -1 | grep -o '[0-9]*')
block=$(grep -o '"block_size": [0-9]*' "$work/session/manifest.json" | head -1 | grep -o '[0-9]*')

# The first run builds the simulation (when stale); the second, timed, only runs it.
TB_DEFINES=NO_STALLS scripts/testbench.sh verilator "$module" tb_tile "$rtl" "$work/session" "$work/verilator" >/dev/null \
  || true
start=$(date +%s.%N)
log=$(TB_DEFINES=NO_STALLS scripts/testbench.sh verilator "$module" tb_tile "$rtl" "$work/session" "$work/verilator")
end=$(date +%s.%N)
echo "$log" | tail -3 | sed 's/^/tile-bench: /'
echo "$log" | grep -q ", 0 failed" || { echo "tile-bench: FAILED: the session did not pass"; exit 1; }

python3 - "$rows" "$columns" "$vectors" "$units" "$block" "$start" "$end" <<PY
import re, sys
m, k, v, r, n = (int(x) for x in sys.argv[1:6])
seconds = float(sys.argv[7]) - float(sys.argv[6])
log = """$log"""
statuses = [int(c) for c in re.findall(r"status \d+: [0-9a-f]+ at cycle (\d+)", log)]
total = int(re.search(r"(\d+) cycles", log).group(1))
load_done, run_done = statuses[0], statuses[1]
measured = run_done - load_done
ideal = v * (-(-m // r)) * (k // n)
utilization = ideal / measured
print(f"tile-bench: {m} x {k} layer, {v} vectors, R = {r}, n = {n}: {measured} cycles from the load's end "
      f"to the run's, ideal {ideal} ({r * n} MACs per cycle): utilization {100 * utilization:.2f} %")
print(f"tile-bench: Verilator: {total} cycles in {seconds:.2f} s (reading the session included): "
      f"{total / seconds / 1000:.0f} k cycles/s, {ideal * r * n / seconds / 1e6:.0f} M simulated MACs/s")
if utilization < 0.95:
    print("tile-bench: FAILED: below the 95 % target"); sys.exit(1)
PY
