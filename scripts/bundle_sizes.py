#!/usr/bin/env python3
"""Reference raw / gzip / brotli sizes of build outputs.

An independent (Python) implementation of the sizes that the JS tools report:

* gzip   -- gzip-size (used by compressed-size-action, `compression: gzip`,
            the default) and @size-limit/file (`gzip: true`):
            node `zlib.gzip(buf, {level: 9})`, all other options at node's
            defaults: windowBits 15 (+16 = gzip wrapper), memLevel 8,
            strategy Z_DEFAULT_STRATEGY.  The size is the whole .gz stream:
            10-byte header + deflate data + 8-byte CRC32/ISIZE trailer.
* brotli -- brotli-size (compressed-size-action, `compression: brotli`) and
            @size-limit/file (its default):
            node `zlib.brotliCompress` with BROTLI_PARAM_QUALITY 11, mode
            BROTLI_MODE_GENERIC, lgwin 22 (node's default), lgblock 0 (auto).
            (brotli-size also sets BROTLI_PARAM_SIZE_HINT = input length;
            size-limit does not; neither changes the output -- see
            fixtures/bundle/README.md.)

Usage:
    python3 scripts/bundle_sizes.py FILE...            # JSON to stdout
    python3 scripts/bundle_sizes.py --check-node FILE...
        also computes every size with node's own zlib (one-shot like
        gzip-size/brotli-size, and streamed from the file like
        @size-limit/file) and exits 1 if any number differs.
    python3 scripts/bundle_sizes.py --node FILE...
        prints node's numbers instead, in the same shape (needs `node` on
        PATH, or NODE=/path/to/node).
    python3 scripts/bundle_sizes.py --node-detail FILE...
        node's numbers for every way the JS tools compute them.

Output: {"<path as given>": {"raw": n, "gzip": n, "brotli": n}, ...} in the
order the files were given, 2-space indented, with a trailing newline.

Needs the `brotli` package from PyPI (`pip install brotli`).
"""

import json
import os
import subprocess
import sys
import zlib

try:
    import brotli
except ImportError:  # pragma: no cover - message for humans
    sys.exit("bundle_sizes.py: needs the PyPI package `brotli` (pip install brotli)")

GZIP_LEVEL = 9          # gzip-size: getOptions = options => ({level: 9, ...options})
GZIP_WBITS = 15 + 16    # node default windowBits 15; +16 selects the gzip wrapper
GZIP_MEMLEVEL = 8       # node default memLevel (Z_DEFAULT_MEMLEVEL)
BROTLI_QUALITY = 11     # BROTLI_MAX_QUALITY / BROTLI_PARAM_QUALITY: 11
BROTLI_LGWIN = 22       # node default BROTLI_PARAM_LGWIN (BROTLI_DEFAULT_WINDOW)


def gzip_size(data: bytes) -> int:
    # Same stream layout as python's gzip.compress(data, compresslevel=9,
    # mtime=0): zlib writes the 10-byte header itself (no file name).
    c = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_WBITS, GZIP_MEMLEVEL,
                         zlib.Z_DEFAULT_STRATEGY)
    return len(c.compress(data) + c.flush())


def brotli_size(data: bytes) -> int:
    return len(brotli.compress(data, mode=brotli.MODE_GENERIC,
                               quality=BROTLI_QUALITY, lgwin=BROTLI_LGWIN,
                               lgblock=0))


def python_sizes(paths):
    out = {}
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        out[p] = {"raw": len(data), "gzip": gzip_size(data),
                  "brotli": brotli_size(data)}
    return out


# For every file, node computes each size the way each JS tool does it:
#   gzip_oneshot    gzip-size 5/7: zlib.gzip(input, {level: 9})
#                   (compressed-size-action >= 2.9 passes the file read as a
#                   utf-8 string; gzip-size returns 0 for an empty string)
#   gzip_stream     @size-limit/file: createReadStream(path).pipe(createGzip({level: 9}))
#   brotli_oneshot  brotli-size 4 sync(): brotliCompressSync(buf, {params:
#                   {MODE: GENERIC, QUALITY: 11, SIZE_HINT: buf.byteLength}})
#   brotli_stream   @size-limit/file: createReadStream(path).pipe(
#                   createBrotliCompress({params: {QUALITY: 11}}))
NODE_SCRIPT = r"""
const fs = require('fs');
const zlib = require('zlib');
const C = zlib.constants;
function streamed(path, z) {
  return new Promise((resolve, reject) => {
    let n = 0;
    const s = fs.createReadStream(path).pipe(z);
    s.on('error', reject);
    s.on('data', (b) => { n += b.length; });
    s.on('end', () => resolve(n));
  });
}
(async () => {
  const out = {};
  for (const p of JSON.parse(fs.readFileSync(0, 'utf8'))) {
    const buf = fs.readFileSync(p);
    const text = fs.readFileSync(p, 'utf-8');
    const tbuf = Buffer.from(text, 'utf8');
    out[p] = {
      raw: buf.length,
      utf8_roundtrip_raw: tbuf.length,
      gzip_oneshot: text ? zlib.gzipSync(text, {level: 9}).length : 0,
      gzip_stream: await streamed(p, zlib.createGzip({level: 9})),
      brotli_oneshot: zlib.brotliCompressSync(tbuf, {params: {
        [C.BROTLI_PARAM_MODE]: C.BROTLI_DEFAULT_MODE,
        [C.BROTLI_PARAM_QUALITY]: C.BROTLI_MAX_QUALITY,
        [C.BROTLI_PARAM_SIZE_HINT]: tbuf.byteLength}}).byteLength,
      brotli_stream: await streamed(p, zlib.createBrotliCompress({params: {
        [C.BROTLI_PARAM_QUALITY]: 11}})),
    };
  }
  out['(versions)'] = {node: process.versions.node, zlib: process.versions.zlib,
                       brotli: process.versions.brotli};
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def node_sizes(paths):
    r = subprocess.run([os.environ.get("NODE", "node"), "-e", NODE_SCRIPT], input=json.dumps(paths),
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def main(argv):
    mode = "python"
    if argv and argv[0] in ("--check-node", "--node", "--node-detail"):
        mode = argv.pop(0)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    paths = argv

    py = python_sizes(paths)
    if mode == "python":
        json.dump(py, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0

    node = node_sizes(paths)
    if mode == "--node-detail":
        json.dump(node, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if mode == "--node":
        # Same shape as the Python output.  gzip = the streamed size
        # (@size-limit/file; equal to gzip-size's for any non-empty file),
        # brotli = brotli-size's one-shot size (equal to the streamed one).
        simple = {p: {"raw": node[p]["raw"], "gzip": node[p]["gzip_stream"],
                      "brotli": node[p]["brotli_oneshot"]} for p in paths}
        json.dump(simple, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0

    versions = node.pop("(versions)")
    bad = 0
    for p in paths:
        n, q = node[p], py[p]
        want = {"raw": [n["raw"]],
                "gzip": [n["gzip_stream"]] + ([n["gzip_oneshot"]] if q["raw"] else []),
                "brotli": [n["brotli_oneshot"], n["brotli_stream"]]}
        for k, vals in want.items():
            if any(v != q[k] for v in vals):
                bad += 1
                print(f"MISMATCH {p} {k}: python {q[k]} node {vals}", file=sys.stderr)
        if n["utf8_roundtrip_raw"] != n["raw"]:
            print(f"NOTE {p}: not valid UTF-8; compressed-size-action would "
                  f"measure a {n['utf8_roundtrip_raw']}-byte re-encoding", file=sys.stderr)
    print(f"checked {len(paths)} files against node {versions['node']} "
          f"(zlib {versions['zlib']}, brotli {versions['brotli']}) / python zlib "
          f"{zlib.ZLIB_RUNTIME_VERSION}, brotli {getattr(brotli, '__version__', '?')}: "
          f"{'all equal' if not bad else f'{bad} mismatches'}", file=sys.stderr)
    json.dump(py, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
