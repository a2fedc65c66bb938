#!/usr/bin/env python3
"""Padded gzip decompression bombs for medprep's bounded-decoding tests (issue 14, item 9). Standard library only.

A bomb is a .nii.gz whose NIfTI-1 header declares a large volume (default 1000 x 1000 x 1000 int16, 2 GB of data)
while the gzip stream holds much less: `--zeros` bytes of zeros (deflated at level 9, about 1030:1) followed by
`--random` bytes of random data (stored, 1:1). The random bytes pad the file past the 1032:1 bound
(compressed size x 1032 >= declared size), so a size-ratio check alone lets it through.

Variants (`--variant`):
  padded   one gzip member, honest trailer (CRC-32 and ISIZE of what it really holds): the bomb of issue 14.
  planted  as padded, with a fake gzip member header (1f 8b 08 00) planted in the random bytes, so that the file
           cannot be proven to be a single member from its bytes alone.
  forged   as padded, with the trailer's ISIZE forged to the declared size (mod 2^32); the CRC-32 is left honest.
  appended the zeros as one complete member, then the random bytes (with a planted member header) appended after
           its trailer: trailing garbage the trailer cannot reveal.
  honest   a complete, valid file: the whole declared data region is zeros (`--zeros` and `--random` ignored).
  members  the honest file written as consecutive gzip members of `--member-size` inflated bytes (bgzip-like):
           valid, and its last member's ISIZE is not the whole size, so it must never be refused for that.

The deflate stream of the zeros is made cheaply: 1 MiB of zeros deflated once, ended with a full flush (byte
aligned, no back-reference before it), and that piece repeated. Sizes of zeros are rounded up to whole MiB.
Run time is dominated by the CRC-32 over the zeros (about 0.5 s per GB).

Usage: python3 Scripts/make_gzip_bomb.py OUT.nii.gz [--variant padded] [--dims 1000 1000 1000] [--datatype int16]
       [--zeros 1000000000] [--random 1100000] [--seed 14]
"""
import argparse
import gzip
import random
import struct
import zlib

DATATYPES = {"uint8": (2, 8), "int16": (4, 16), "float32": (16, 32)}
MIB = 1 << 20


def nifti1_header(dims, datatype):
    """A NIfTI-1 single-file header (348 bytes) plus the 4-byte extension flag; data at offset 352."""
    code, bitpix = DATATYPES[datatype]
    header = bytearray(348)
    struct.pack_into("<i", header, 0, 348)
    struct.pack_into("<8h", header, 40, 3, *dims, 1, 1, 1, 1)
    struct.pack_into("<hh", header, 70, code, bitpix)
    struct.pack_into("<8f", header, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<f", header, 108, 352.0)
    struct.pack_into("<f", header, 112, 1.0)
    header[344:348] = b"n+1\0"
    return bytes(header) + b"\0\0\0\0"


def write_members(args, data_size, header):
    """The honest file as gzip members of `args.member_size` inflated bytes each (zeros after the header)."""
    size = len(header) + data_size
    with open(args.out, "wb") as handle:
        start = 0
        while start < size:
            end = min(size, start + args.member_size)
            chunk = header[start:end] + bytes(max(0, end - max(start, len(header))))
            handle.write(gzip.compress(chunk, compresslevel=6, mtime=0))
            start = end
    return size


def build(args):
    dims = args.dims
    code_bytes = DATATYPES[args.datatype][1] // 8
    declared = dims[0] * dims[1] * dims[2] * code_bytes
    header = nifti1_header(dims, args.datatype)
    if args.variant == "members":
        return write_members(args, declared, header), declared
    zero_bytes = declared if args.variant == "honest" else args.zeros
    pieces, tail = divmod(zero_bytes, MIB)
    rng = random.Random(args.seed)
    padding = b"" if args.variant == "honest" else rng.randbytes(args.random)
    if args.variant in ("planted", "appended"):
        middle = len(padding) // 2
        padding = padding[:middle] + b"\x1f\x8b\x08\x00" + padding[middle + 4:]

    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = [head.compress(header) + head.flush(zlib.Z_FULL_FLUSH)]
    piece_maker = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = piece_maker.compress(bytes(MIB)) + piece_maker.flush(zlib.Z_FULL_FLUSH)
    body.append(piece * pieces)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    appended = padding if args.variant == "appended" else b""
    padding = b"" if appended else padding
    body.append(last.compress(bytes(tail) + padding) + last.flush(zlib.Z_FINISH))

    crc = zlib.crc32(header)
    zeros = bytes(MIB)
    for _ in range(pieces):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(bytes(tail) + padding, crc)
    size = len(header) + zero_bytes + len(padding)
    isize = (len(header) + declared) if args.variant == "forged" else size
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, isize & 0xFFFFFFFF)
    with open(args.out, "wb") as handle:
        handle.write(gzip_header)
        for part in body:
            handle.write(part)
        handle.write(trailer)
        handle.write(appended)
    return size, declared


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--variant", choices=["padded", "planted", "forged", "appended", "honest", "members"], default="padded")
    parser.add_argument("--dims", type=int, nargs=3, default=[1000, 1000, 1000])
    parser.add_argument("--datatype", choices=sorted(DATATYPES), default="int16")
    parser.add_argument("--zeros", type=int, default=1_000_000_000)
    parser.add_argument("--random", type=int, default=1_100_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--member-size", type=int, default=1 << 16)
    args = parser.parse_args()
    size, declared = build(args)
    print(f"{args.out}: {args.variant}, holds {size} bytes, header declares {declared} data bytes at offset 352")


if __name__ == "__main__":
    main()
