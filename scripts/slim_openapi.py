#!/usr/bin/env python3
"""Extract a small, self-contained slice of GitHub's REST API description.

Input:  generated/api.github.com.json from the npm package @octokit/openapi
        (GitHub's official OpenAPI 3.0 description + Octokit extensions).
Output: tests/github-api/openapi-slim.json, containing only the operations in
        OPERATIONS below, plus every component (schemas, parameters,
        responses, headers, examples) they reference, transitively.

Usage:
    python3 scripts/slim_openapi.py <api.github.com.json> <openapi-slim.json>
    python3 scripts/slim_openapi.py --keep-nullable <in> <out>   # see below
    python3 scripts/slim_openapi.py --check <openapi-slim.json>  # needs jsonschema

What is changed relative to the upstream description:
  * Only the listed operations are kept; `$ref`s are kept as refs and all
    referenced components are copied in (so recursive refs are fine).
  * Documentation-only fields are dropped: operation description / tags /
    externalDocs / x-github / x-octokit, and `description`, `title`,
    `example` in schemas and parameters -- EXCEPT that inline request-body
    schemas keep their property `description`s, because those carry rules
    the server enforces but the schema does not express (e.g. "conclusion
    is required if status is completed", "max 50 annotations per request").
    Response objects keep their
    (short, REQUIRED by OpenAPI) `description`.  Full example bodies under
    `components/examples` are kept verbatim (their `summary` is dropped).
  * By default OpenAPI 3.0 `nullable: true` is rewritten into JSON-Schema
    form so a plain JSON Schema validator (draft 4..2020-12) understands it:
        {"type": T, "nullable": true}        -> {"type": [T, "null"]}
        ... plus an `enum` list               -> enum also gets null appended
        {"oneOf"/"anyOf"/"allOf": ..., "nullable": true}
                                              -> {"anyOf": [<rest>, {"type": "null"}]}
        {"nullable": true} alone              -> {}  (already accepts null)
    and `nullable: false` is removed.  The document is then labelled
    "openapi": "3.1.0" (3.1 uses JSON Schema 2020-12, where type arrays are
    the way to express nullability).  With --keep-nullable the schemas are
    left in OpenAPI 3.0 form and the version stays 3.0.x.

Python 3 standard library only (except --check, which imports jsonschema).
Output is deterministic: sorted keys, indent=1, UTF-8, trailing newline.
"""

import copy
import json
import sys

OPERATIONS = [
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "get"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "post"),
    ("/repos/{owner}/{repo}/issues/comments/{comment_id}", "patch"),
    ("/repos/{owner}/{repo}/issues/comments/{comment_id}", "delete"),
    ("/repos/{owner}/{repo}/statuses/{sha}", "post"),
    ("/repos/{owner}/{repo}/check-runs", "post"),
    ("/repos/{owner}/{repo}/check-runs/{check_run_id}", "patch"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
    ("/repos/{owner}/{repo}/contents/{path}", "get"),
    ("/repos/{owner}/{repo}/contents/{path}", "put"),
    # Git's data API and compare: the branch-backed baseline store.
    ("/repos/{owner}/{repo}/git/ref/{ref}", "get"),
    ("/repos/{owner}/{repo}/git/refs", "post"),
    ("/repos/{owner}/{repo}/git/refs/{ref}", "patch"),
    ("/repos/{owner}/{repo}/git/commits/{commit_sha}", "get"),
    ("/repos/{owner}/{repo}/git/commits", "post"),
    ("/repos/{owner}/{repo}/git/trees/{tree_sha}", "get"),
    ("/repos/{owner}/{repo}/git/trees", "post"),
    ("/repos/{owner}/{repo}/git/blobs/{file_sha}", "get"),
    ("/repos/{owner}/{repo}/git/blobs", "post"),
    ("/repos/{owner}/{repo}/compare/{basehead}", "get"),
]

# Keys dropped from schema objects (documentation only).
SCHEMA_DROP = {"description", "title", "example", "examples", "externalDocs",
               "x-github-breaking-changes"}
# Schema keywords whose value is a single sub-schema.
SCHEMA_ONE = ("items", "not", "additionalItems", "contains", "propertyNames")
# Schema keywords whose value is a list of sub-schemas.
SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
# Schema keywords whose value is a map name -> sub-schema.
SCHEMA_MAP = ("properties", "patternProperties")

REF_PREFIX = "#/components/"


class Slimmer:
    def __init__(self, src, convert_nullable=True):
        self.src = src
        self.convert_nullable = convert_nullable
        self.refs = set()  # ("schemas", "name") ...

    # -- refs ---------------------------------------------------------------
    def _ref(self, obj):
        ref = obj["$ref"]
        if not ref.startswith(REF_PREFIX):
            raise SystemExit("unsupported $ref: %r" % ref)
        kind, _, name = ref[len(REF_PREFIX):].partition("/")
        if "/" in name:
            raise SystemExit("unsupported deep $ref: %r" % ref)
        if name not in self.src["components"].get(kind, {}):
            raise SystemExit("dangling $ref: %r" % ref)
        self.refs.add((kind, name))
        return {"$ref": ref}

    # -- schema -------------------------------------------------------------
    def schema(self, s, keep_desc=False):
        if isinstance(s, bool):
            return s
        if "$ref" in s:
            return self._ref(s)  # OpenAPI 3.0: siblings of $ref are ignored
        out = {}
        for k, v in s.items():
            if k in SCHEMA_DROP and not (keep_desc and k == "description"):
                continue
            if k in SCHEMA_ONE or k == "additionalProperties":
                out[k] = self.schema(v, keep_desc)
            elif k in SCHEMA_LIST:
                out[k] = [self.schema(x, keep_desc) for x in v]
            elif k in SCHEMA_MAP:
                out[k] = {n: self.schema(x, keep_desc) for n, x in v.items()}
            else:
                out[k] = copy.deepcopy(v)
        if self.convert_nullable and "nullable" in out:
            out = self._nullable(out)
        return out

    @staticmethod
    def _nullable(s):
        nullable = s.pop("nullable")
        if nullable is not True:
            return s
        if "type" in s:
            t = s["type"]
            t = list(t) if isinstance(t, list) else [t]
            if "null" not in t:
                t.append("null")
            s["type"] = t
            if "enum" in s and None not in s["enum"]:
                s["enum"] = list(s["enum"]) + [None]
            return s
        if not s:
            return s  # bare {"nullable": true}: {} already accepts null
        if set(s) <= {"oneOf", "anyOf", "allOf", "readOnly", "writeOnly",
                      "deprecated", "default", "format"}:
            ann = {k: s.pop(k) for k in ("readOnly", "writeOnly", "deprecated",
                                          "default") if k in s}
            ann["anyOf"] = [s, {"type": "null"}]
            return ann
        raise SystemExit("don't know how to make nullable: %r" % sorted(s))

    # -- other OpenAPI objects ------------------------------------------------
    def media(self, m, keep_examples, keep_desc=False):
        out = {}
        if "schema" in m:
            out["schema"] = self.schema(m["schema"], keep_desc)
        if keep_examples and "examples" in m:
            out["examples"] = {n: self.example(e) for n, e in m["examples"].items()}
        if keep_examples and "example" in m:
            out["example"] = copy.deepcopy(m["example"])
        if "encoding" in m:
            out["encoding"] = copy.deepcopy(m["encoding"])
        return out

    def example(self, e):
        if "$ref" in e:
            return self._ref(e)
        return {k: copy.deepcopy(v) for k, v in e.items() if k in ("value", "externalValue")}

    def parameter(self, p):
        if "$ref" in p:
            return self._ref(p)
        out = {}
        for k, v in p.items():
            if k in ("description", "example", "examples"):
                continue
            out[k] = self.schema(v) if k == "schema" else copy.deepcopy(v)
        return out

    def header(self, h):
        if "$ref" in h:
            return self._ref(h)
        out = {}
        for k, v in h.items():
            if k in ("description", "example", "examples"):
                continue
            out[k] = self.schema(v) if k == "schema" else copy.deepcopy(v)
        return out

    def request_body(self, rb):
        if "$ref" in rb:
            return self._ref(rb)
        out = {"content": {ct: self.media(m, keep_examples=True, keep_desc=True)
                           for ct, m in rb.get("content", {}).items()}}
        if "required" in rb:
            out["required"] = rb["required"]
        return out

    def response(self, r):
        if "$ref" in r:
            return self._ref(r)
        out = {"description": r.get("description", "")}
        if "content" in r:
            out["content"] = {ct: self.media(m, keep_examples=True)
                              for ct, m in r["content"].items()}
        if "headers" in r:
            out["headers"] = {n: self.header(h) for n, h in r["headers"].items()}
        return out

    def operation(self, op):
        out = {"operationId": op["operationId"]}
        if "summary" in op:
            out["summary"] = op["summary"]
        if "parameters" in op:
            out["parameters"] = [self.parameter(p) for p in op["parameters"]]
        if "requestBody" in op:
            out["requestBody"] = self.request_body(op["requestBody"])
        out["responses"] = {c: self.response(r) for c, r in op["responses"].items()}
        return out

    COMPONENT = {
        "schemas": "schema",
        "parameters": "parameter",
        "responses": "response",
        "headers": "header",
        "examples": "example",
        "requestBodies": "request_body",
    }

    def run(self):
        src = self.src
        paths = {}
        for path, method in OPERATIONS:
            item = src["paths"][path]
            op = item[method]
            slim = self.operation(op)
            if "parameters" in item:  # path-level parameters
                slim.setdefault("parameters", [])
                slim["parameters"] = [self.parameter(p) for p in item["parameters"]] + slim["parameters"]
            paths.setdefault(path, {})[method] = slim

        components = {}
        done = set()
        while self.refs - done:
            for kind, name in sorted(self.refs - done):
                done.add((kind, name))
                fn = getattr(self, self.COMPONENT[kind])
                components.setdefault(kind, {})[name] = fn(src["components"][kind][name])

        info = src["info"]
        out = {
            "openapi": "3.1.0" if self.convert_nullable else src["openapi"],
            "info": {
                "title": "GitHub REST API (slim extract for budgetgate tests)",
                "version": info["version"],
                "license": info.get("license"),
                "x-source": {
                    "npm": "@octokit/openapi@%s" % info["version"],
                    "file": "generated/api.github.com.json",
                    "upstream": "https://github.com/github/rest-api-description",
                    "openapi": src["openapi"],
                    "nullable": "converted to JSON Schema type arrays"
                    if self.convert_nullable else "kept (OpenAPI 3.0 form)",
                },
            },
            "servers": src.get("servers", []),
            "paths": paths,
            "components": components,
        }
        return out


def dump(doc, fh):
    json.dump(doc, fh, sort_keys=True, indent=1, ensure_ascii=False)
    fh.write("\n")


# --------------------------------------------------------------------------
# --check: print a summary and validate examples (needs `pip install jsonschema`)
# --------------------------------------------------------------------------

def _walk(o, fn, path=()):
    fn(o, path)
    if isinstance(o, dict):
        for k, v in o.items():
            _walk(v, fn, path + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o):
            _walk(v, fn, path + (i,))


def check(path):
    import jsonschema  # noqa: imported lazily, not needed for generation

    doc = json.load(open(path, encoding="utf-8"))
    comps = doc["components"]
    nullable_left = []
    _walk(doc, lambda o, p: nullable_left.append(p)
          if isinstance(o, dict) and isinstance(o.get("nullable"), bool) else None)
    print("schemas still using OpenAPI 3.0 `nullable`: %d" % len(nullable_left))

    def deref(o):
        while isinstance(o, dict) and "$ref" in o:
            kind, name = o["$ref"][len(REF_PREFIX):].split("/")
            o = comps[kind][name]
        return o

    def validator(schema):
        root = {"allOf": [schema], "components": comps}
        cls = jsonschema.Draft202012Validator
        return cls(root, format_checker=cls.FORMAT_CHECKER)

    failures = 0
    total = 0
    for p, methods in doc["paths"].items():
        for m, op in methods.items():
            print("=" * 78)
            print("%s %s  (%s)" % (m.upper(), p, op["operationId"]))
            params = [deref(x) for x in op.get("parameters", [])]
            print("  parameters:", ", ".join(
                "%s[%s]%s%s" % (x["name"], x["in"], "*" if x.get("required") else "",
                                ("=" + json.dumps(x["schema"], sort_keys=True))
                                if x["in"] == "query" else "")
                for x in params))
            rb = op.get("requestBody")
            if rb:
                rb = deref(rb)
                for ct, media in rb["content"].items():
                    print("  requestBody %s (required=%s) schema:" % (ct, rb.get("required")))
                    print("   ", json.dumps(media["schema"], sort_keys=True, indent=1).replace("\n", "\n    "))
                    for en, ex in media.get("examples", {}).items():
                        ex = deref(ex)
                        errs = list(validator(media["schema"]).iter_errors(ex["value"]))
                        total += 1
                        failures += bool(errs)
                        print("   request example %-20s %s" % (en, "OK" if not errs else "FAIL"))
                        for e in errs:
                            print("      -", list(e.absolute_path), e.message[:200])
            print("  responses:", ", ".join(sorted(op["responses"])))
            for code, resp in sorted(op["responses"].items()):
                resp = deref(resp)
                for ct, media in resp.get("content", {}).items():
                    if "schema" not in media:
                        continue
                    exs = media.get("examples", {})
                    if not exs:
                        print("   %s %s: (no examples)" % (code, ct))
                    for en, ex in sorted(exs.items()):
                        ex = deref(ex)
                        errs = list(validator(media["schema"]).iter_errors(ex["value"]))
                        total += 1
                        failures += bool(errs)
                        print("   %s %s example %-28s %s" % (code, ct, en, "OK" if not errs else "FAIL"))
                        for e in errs:
                            print("      -", list(e.absolute_path), e.message[:200])
    print("=" * 78)
    print("examples validated: %d, failed: %d" % (total, failures))
    return 1 if failures else 0


def main(argv):
    args = argv[1:]
    if args[:1] == ["--check"] and len(args) == 2:
        return check(args[1])
    convert = True
    if args[:1] == ["--keep-nullable"]:
        convert = False
        args = args[1:]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    with open(args[0], encoding="utf-8") as fh:
        src = json.load(fh)
    doc = Slimmer(src, convert_nullable=convert).run()
    with open(args[1], "w", encoding="utf-8", newline="\n") as fh:
        dump(doc, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
