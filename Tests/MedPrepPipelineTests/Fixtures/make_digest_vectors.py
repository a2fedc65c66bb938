#!/usr/bin/env python3
"""Makes digest_vectors.json: XXH3-128 digests from the Python `xxhash` package (the independent reference for
MedPrepPipeline's ContentDigest, which calls libxxhash) of the texts "", "abc", 1,000,000 times "a", and of the
byte pattern b[i] = (i * 31 + 7) % 251 at lengths around XXH3's 16/128/240-byte paths, its 1 KiB stripes and the
1 MiB file-read chunk. Run from anywhere (pip install xxhash):
    python3 Tests/MedPrepPipelineTests/Fixtures/make_digest_vectors.py
"""
import json
import os

import xxhash


def pattern(n):
    return bytes((i * 31 + 7) % 251 for i in range(n))


texts = {"": "", "abc": "abc", "a*1000000": "a" * 1_000_000}
lengths = [1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1024, 1025, 1 << 20, (1 << 20) + 1, 2 * (1 << 20) + 17]
out = {
    "texts": [{"name": k, "xxh3_128": xxhash.xxh3_128_hexdigest(v.encode())} for k, v in texts.items()],
    "patterns": [{"length": n, "xxh3_128": xxhash.xxh3_128_hexdigest(pattern(n))} for n in lengths],
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digest_vectors.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
