#!/usr/bin/env python3
"""Runs wasm-opt over the core module inside a Spin component and writes the component back.

binaryen reads core modules, not components, and cargo's wasm32-wasip2 output is a component: a preamble and a
list of sections, one of which (id 1) holds rustc's whole core module. This replaces that section's bytes with
wasm-opt's output and leaves every other section (the component's types, imports, instances, canonical lifts)
untouched; the core module's exports keep their names, so the component still refers to them.

usage: optimize.py WASM_OPT IN.wasm OUT.wasm [wasm-opt flags...]
"""
import os
import subprocess
import sys
import tempfile

COMPONENT_PREAMBLE = b"\0asm\x0d\x00\x01\x00"
CORE_MODULE = 1


def leb(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def encode_leb(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def sections(data):
    i = 8
    while i < len(data):
        start, kind = i, data[i]
        size, body = leb(data, i + 1)
        yield kind, start, body, body + size
        i = body + size


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    wasm_opt, src, dst, flags = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    data = open(src, "rb").read()
    if not data.startswith(COMPONENT_PREAMBLE):
        sys.exit(f"optimize.py: {src} is not a WebAssembly component")
    modules = [s for s in sections(data) if s[0] == CORE_MODULE]
    if not modules:
        sys.exit(f"optimize.py: {src} holds no core module")
    _, start, body, end = max(modules, key=lambda s: s[3] - s[2])
    with tempfile.TemporaryDirectory() as tmp:
        before, after = os.path.join(tmp, "in.wasm"), os.path.join(tmp, "out.wasm")
        open(before, "wb").write(data[body:end])
        subprocess.run([wasm_opt, *flags, before, "-o", after], check=True)
        module = open(after, "rb").read()
    out = data[:start] + bytes([CORE_MODULE]) + encode_leb(len(module)) + module + data[end:]
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
