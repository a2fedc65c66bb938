#!/usr/bin/env python3
"""Makes sha256_vectors.json: SHA-256 digests from Python's hashlib (the independent reference for
MedPrepPipeline's own SHA-256) of
  - the texts "" (empty), "abc", and 1,000,000 times "a";
  - the byte pattern b[i] = (i * 31 + 7) % 251 at lengths around the 64-byte block and 56-byte padding
    boundaries and around the 1 MiB file-read chunk.
Run from anywhere:  python3 Tests/MedPrepPipelineTests/Fixtures/make_sha256_vectors.py
"""
import hashlib
import json
import os

def pattern(n):
    return bytes((i * 31 + 7) % 251 for i in range(n))

texts = {"": "", "abc": "abc", "a*1000000": "a" * 1_000_000}
lengths = [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 1 << 20, (1 << 20) + 1, 2 * (1 << 20) + 17]
out = {
    "texts": [{"name": k, "sha256": hashlib.sha256(v.encode()).hexdigest()} for k, v in texts.items()],
    "patterns": [{"length": n, "sha256": hashlib.sha256(pattern(n)).hexdigest()} for n in lengths],
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sha256_vectors.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
