"""bench report: the page shows exactly the outcomes the run stored, renders in Chromium, scales linearly."""

import hashlib
import json
import os
import random
import re
import shutil
import stat
import struct
import subprocess
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, as_format_2

from bench.records import CLAIM_TYPES
from bench.cli import main
import numpy as np

from bench.corpus import load_corpus, load_documents
from bench.corpus.paths import resolve_recorded
from bench.exceptions import InputError
from bench.matching import OUTCOMES
from bench.tasks.claims import read_claims as read_predictions
from bench.pages import render_report, write_report
from bench.pages.layout import lanes, segments

ARTIFACTS = ROOT / "tests" / "artifacts"
TRICKY_CLAIMANT = '<b>"Q&A"</b> & \'co\''
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# ------------------------------------------------------------------ runs to report on

def _gap(text, claims, size=12):
    """A stretch of text no gold claim touches, for a spurious prediction."""
    position = 0
    for claim in sorted(claims, key=lambda c: c.start):
        if claim.start - position >= size + 2:
            return position + 1, position + 1 + size
        position = max(position, claim.end)
    assert len(text) - position >= size + 2
    return position + 1, position + 1 + size


def _predictions(path, variant):
    """Predictions derived from the gold so that every outcome occurs, with nested predictions."""
    corpus = load_corpus()
    rows = []
    for doc_id in sorted(corpus.gold):
        gold = corpus.gold[doc_id]
        for i, c in enumerate(gold):
            k = (i + variant) % 5
            other = CLAIM_TYPES[(CLAIM_TYPES.index(c.type) + 1) % len(CLAIM_TYPES)]
            base = {"doc_id": doc_id, "start": c.start, "end": c.end, "type": c.type,
                    "claimant": c.claimant, "attribution": c.attribution}
            if k == 0:
                rows.append(base | {"end": c.end - i % 2})  # one character short: lenient, not strict
            elif k == 1:
                rows.append(base | {"type": other})
            elif k == 2:
                rows.append(base | {"end": c.start + max(1, c.length // 5)})
            elif k == 4:
                rows.append(base | {"claimant": TRICKY_CLAIMANT})
                quarter = c.length // 4
                if quarter:
                    rows.append({"doc_id": doc_id, "start": c.start + quarter, "end": c.end - quarter, "type": other})
        start, end = _gap(corpus.documents[doc_id].text, gold)
        rows.append({"doc_id": doc_id, "start": start, "end": end, "type": CLAIM_TYPES[variant % len(CLAIM_TYPES)]})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _score(predictions, out, *extra):
    before = {p.name for p in out.iterdir()} if out.exists() else set()
    assert main(["score", str(predictions), "--out", str(out), "--quiet", "--bootstrap", "50", *extra]) == 0
    (created,) = [p for p in out.iterdir() if p.is_dir() and p.name not in before and not p.name.startswith(".")]
    return created


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    out = base / "results"
    first = _score(_predictions(base / "a.jsonl", 0), out, "--name", "variant-a")
    second = _score(_predictions(base / "b.jsonl", 2), out, "--name", "variant-b")
    return first, second


def _results(run):
    return json.loads((run / "results.json").read_text(encoding="utf-8"))


def _records(run, scheme=None):
    """(doc_id, side, outcome, record) for every gold claim and prediction of a run, from its stored arrays.

    Independent of the report: the gold from the run's recorded path, the predictions read
    again from the run's own file, the outcomes from outcomes.npz.
    """
    results = _results(run)
    scheme = scheme or results["evaluation"]["scheme"]
    corpus = load_corpus(gold=resolve_recorded(results["gold"]["path"]),
                         docs=resolve_recorded(results["gold"]["docs_path"]))
    preds = read_predictions(run / "predictions.jsonl", corpus.documents,
                             threshold=results["evaluation"]["align_threshold"])
    with np.load(run / "outcomes.npz") as arrays:
        gold_kind, pred_kind = arrays[f"{scheme}.gold_kind"], arrays[f"{scheme}.pred_kind"]
    gold = [(d, c) for d in corpus.doc_ids for c in corpus.gold[d]]
    predicted = [(d, c) for d in corpus.doc_ids for c in preds.by_doc[d]]
    assert len(gold) == len(gold_kind) and len(predicted) == len(pred_kind)
    for (doc_id, claim), kind in zip(gold, gold_kind.tolist()):
        yield doc_id, "gold", OUTCOMES[kind], claim
    for (doc_id, claim), kind in zip(predicted, pred_kind.tolist()):
        yield doc_id, "pred", OUTCOMES[kind], claim


def _expected(run, scheme=None):
    return Counter((doc_id, side, kind, claim.start, claim.end) for doc_id, side, kind, claim in _records(run, scheme))


def _key(attrs):
    return (attrs["data-doc"], attrs["data-claim"], attrs["data-outcome"],
            int(attrs["data-start"]), int(attrs["data-end"]))


# ------------------------------------------------------------------ reading the page back

class Page(HTMLParser):
    """Article texts as displayed (badges left out), their segments and claim badges, and the claim tables."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.section = None
        self.container = None
        self.containers = []
        self.cells = []
        self.external = []
        self.style = []
        self.in_style = False
        self.in_marker = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        entry = {"tag": tag}
        if tag in ("link", "img", "iframe", "object", "embed") or "src" in a:
            self.external.append((tag, a))
        if "href" in a and not a["href"].startswith("#"):
            self.external.append((tag, a))
        if tag == "style":
            self.in_style = entry["style"] = True
        if tag == "section" and "data-doc" in a:
            entry["outer"] = self.section
            self.section = (a.get("id"), a["data-doc"])
        if tag == "div" and "text" in classes:
            self.container = {"section": self.section[0], "doc": self.section[1], "contrast": "contrast" in classes,
                              "text": [], "length": 0, "segments": [], "markers": []}
            self.containers.append(self.container)
            entry["container"] = True
        elif self.container is not None and "mk" in classes:
            self.container["markers"].append(a)
            self.in_marker += 1
            entry["marker"] = True
        elif self.container is not None and "s" in classes:
            entry["segment"] = (self.container["length"], a)
        elif "data-claim" in a:
            self.cells.append(a)
        if tag not in VOID_TAGS:
            self.stack.append(entry)

    def handle_endtag(self, tag):
        entry = self.stack.pop()
        assert entry["tag"] == tag, f"</{tag}> closes <{entry['tag']}>"
        if "outer" in entry:
            self.section = entry["outer"]
        if entry.get("container"):
            self.container = None
        if entry.get("marker"):
            self.in_marker -= 1
        if entry.get("style"):
            self.in_style = False
        if "segment" in entry:
            start, attrs = entry["segment"]
            self.container["segments"].append((start, self.container["length"], attrs))

    def handle_data(self, data):
        if self.in_style:
            self.style.append(data)
        if self.container is not None and not self.in_marker:
            self.container["text"].append(data)
            self.container["length"] += len(data)


def _check_segments(container):
    """Each claim's segments tile its span exactly, and only claims covering a segment are listed on it."""
    pieces = {}
    for start, end, attrs in container["segments"]:
        for ref in (attrs.get("data-g", "") + " " + attrs.get("data-p", "")).split():
            pieces.setdefault(ref, []).append((start, end))
    for marker in container["markers"]:
        if "data-ref" not in marker:
            continue
        covered = sorted(pieces[marker["data-ref"]])
        assert covered[0][0] == int(marker["data-start"]) and covered[-1][1] == int(marker["data-end"])
        assert all(a[1] == b[0] for a, b in zip(covered, covered[1:])), "a claim's segments leave a gap"


# ------------------------------------------------------------------ one run

def test_page_shows_exactly_the_stored_outcomes(runs):
    run = runs[0]
    expected = _expected(run)
    assert {kind for _, _, kind, _, _ in expected} == {"matched", "wrong_type", "boundary", "missed", "spurious"}
    page = Page(render_report([run]))
    documents = load_documents(SEEDS)
    assert sorted(c["doc"] for c in page.containers) == sorted(documents)
    badges = Counter()
    for container in page.containers:
        assert "".join(container["text"]) == documents[container["doc"]].text
        badges.update(_key(m) for m in container["markers"])
        _check_segments(container)
    assert badges == expected
    assert Counter(_key(c) for c in page.cells) == expected


def test_overlapping_claims_are_stacked_in_bands_and_lines(runs):
    page = Page(render_report([runs[0]]))
    css = "".join(page.style)
    stacked = [attrs for c in page.containers for _, _, attrs in c["segments"]
               if len(attrs.get("data-p", "").split()) >= 2 and "data-g" in attrs]
    assert stacked
    for attrs in stacked:
        (name,) = [k for k in attrs["class"].split() if k != "s"]
        rule = css[css.index(f".{name}{{"):].split("}", 1)[0]
        assert rule.count("content-box") == len(attrs["data-p"].split())  # one fill band per prediction
        assert rule.count("padding-box") == len(attrs["data-g"].split())  # one underline per gold claim


def test_text_is_escaped_and_the_page_self_contained(runs):
    html = render_report([runs[0]])
    assert TRICKY_CLAIMANT not in html
    assert "&lt;b&gt;&quot;Q&amp;A&quot;&lt;/b&gt;" in html
    page = Page(html)
    assert any(TRICKY_CLAIMANT in (m.get("title") or "") for c in page.containers for m in c["markers"])
    assert page.external == []
    css = "".join(page.style)
    assert "url(" not in css and "@import" not in css and "http" not in css
    assert "<script src" not in html and "@font-face" not in html


def test_header_has_metadata_scores_and_chart(runs):
    results = _results(runs[0])
    html = render_report([runs[0]])
    for text in (results["model"], results["run_id"], results["signature"], results["gold"]["version"]):
        assert text in html
    entry = results["scores"]["lenient"]
    assert f"{entry['micro']['f1']:.3f}" in html and f"{entry['macro']['f1']:.3f}" in html
    low, high = entry["ci"]["metrics"]["micro_f1"]
    assert f"[{low:.3f}, {high:.3f}]" in html
    assert html.count("<svg") == 1 and html.count("<rect") >= 3 * (len(CLAIM_TYPES) + 1)


def test_documents_that_changed_or_moved_are_refused(runs, tmp_path, gold_copy):
    out = tmp_path / "results"
    run = _score(_predictions(tmp_path / "p.jsonl", 0), out, "--gold", str(gold_copy / "gold"),
                 "--docs", str(gold_copy / "seeds"))
    render_report([run])
    doc = sorted((gold_copy / "seeds").glob("*.txt"))[0]
    doc.write_text(doc.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(InputError, match="differ from the ones this run was scored on"):
        render_report([run])
    shutil.rmtree(gold_copy / "seeds")
    with pytest.raises(InputError, match="not at .* any more"):
        render_report([run])
    assert Page(render_report([run], docs=SEEDS)).containers


def test_a_run_without_the_headline_outcomes_is_refused(runs, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(runs[0], run)
    with np.load(run / "outcomes.npz") as arrays:
        kept = {name: arrays[name] for name in arrays.files if not name.startswith("lenient.")}
    np.savez(run / "outcomes.npz", **kept)
    with pytest.raises(InputError, match="outcomes.npz: is not the file this run wrote"):
        render_report([run])
    as_format_2(run)  # as a run saved before its files' hashes were recorded
    with pytest.raises(InputError, match='the run has no "lenient" outcomes'):
        render_report([run])
    with pytest.raises(InputError, match="one run or contrasts two"):
        render_report([runs[0], runs[1], runs[0]])


# ------------------------------------------------------------------ two runs

def _statuses(run_a, run_b):
    """Gold claims matched by exactly one of the runs: (doc, start, end, "a_only" | "b_only")."""
    scheme = _results(run_a)["evaluation"]["scheme"]

    def matched(run):
        return Counter((doc_id, c.start, c.end, c.type, c.claimant, kind == "matched")
                       for doc_id, side, kind, c in _records(run, scheme) if side == "gold")

    a, b = matched(run_a), matched(run_b)
    statuses = Counter()
    for (doc_id, start, end, claim_type, claimant, ok), count in a.items():
        if ok and not b[(doc_id, start, end, claim_type, claimant, True)]:
            statuses[(doc_id, start, end, "a_only")] += count
    for (doc_id, start, end, claim_type, claimant, ok), count in b.items():
        if ok and not a[(doc_id, start, end, claim_type, claimant, True)]:
            statuses[(doc_id, start, end, "b_only")] += count
    return statuses


def test_two_runs_contrasted_claim_by_claim(runs):
    run_a, run_b = runs
    html = render_report([run_a, run_b])
    page = Page(html)
    expected = _statuses(run_a, run_b)
    assert {status for *_, status in expected} == {"a_only", "b_only"}
    shown = Counter()
    views = {"A": Counter(), "B": Counter()}
    for container in page.containers:
        if container["contrast"]:
            shown.update((m["data-doc"], int(m["data-start"]), int(m["data-end"]), m["data-compare"])
                         for m in container["markers"])
        else:
            views[container["section"][-1]].update(_key(m) for m in container["markers"])
        _check_segments(container)
    assert shown == expected
    assert views["A"] == _expected(run_a) and views["B"] == _expected(run_b)
    assert html.count('<table class="scores">') == 2 and "<th>Δ</th>" in html
    for run in runs:
        assert _results(run)["run_id"] in html


def test_a_run_contrasted_with_itself_is_warned_about(runs):
    from bench.exceptions import BenchWarning

    with pytest.warns(BenchWarning, match="the same run is given twice, so it is contrasted with itself"):
        render_report([runs[0], runs[0]])


def test_runs_with_other_settings_are_contrasted_under_the_first_runs_scheme(runs, tmp_path):
    other = _score(_predictions(tmp_path / "p.jsonl", 2), tmp_path / "results", "--scheme", "strict", "--seed", "3")
    html = render_report([runs[0], other])
    assert "evaluation settings differ" in html and "headline scheme is strict" in html
    page = Page(html)
    shown = Counter((m["data-doc"], int(m["data-start"]), int(m["data-end"]), m["data-compare"])
                    for c in page.containers if c["contrast"] for m in c["markers"])
    assert shown == _statuses(runs[0], other)
    views_b = Counter(_key(m) for c in page.containers if c["section"].endswith("-B") for m in c["markers"])
    assert views_b == _expected(other, "lenient") != _expected(other, "strict")


def test_runs_on_different_gold_are_not_contrasted(runs, tmp_path, gold_copy):
    gold_file = sorted((gold_copy / "gold").glob("*.json"))[0]
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    gold["claims"] = gold["claims"][1:]
    gold_file.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    other = _score(_predictions(tmp_path / "p.jsonl", 0), tmp_path / "results", "--gold", str(gold_copy / "gold"),
                   "--docs", str(gold_copy / "seeds"))
    with pytest.raises(InputError, match="different gold labels"):
        render_report([runs[0], other])


# ------------------------------------------------------------------ writing

def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.suffix != ".html"}


def test_write_report_is_atomic_and_leaves_the_run_alone(runs, tmp_path):
    run_a, run_b = (tmp_path / "a", tmp_path / "b")
    shutil.copytree(runs[0], run_a)
    shutil.copytree(runs[1], run_b)
    before = _digest(run_a)
    single = write_report([run_a])
    assert single == run_a / "report.html"
    assert single.read_text(encoding="utf-8") == render_report([run_a])
    assert write_report([run_a]) == single  # a report is derived: rewriting it is fine
    pair = write_report([run_a, run_b])
    assert pair == run_a / f"compare-{_results(run_b)['run_id']}.html"
    elsewhere = write_report([run_a], tmp_path / "out" / "page.html")
    assert elsewhere.is_file()
    assert _digest(run_a) == before
    assert sorted(p.name for p in run_a.iterdir() if p.name.startswith(".")) == []
    with pytest.raises(InputError, match="not a ClaimBench report"):
        write_report([run_a], run_a / "results.json")
    with pytest.raises(InputError, match="is a folder"):
        write_report([run_a], tmp_path / "out")
    assert _digest(run_a) == before


def test_write_report_replaces_only_an_earlier_report(runs, tmp_path):
    mine = tmp_path / "notes.html"
    mine.write_text("<html>my notes</html>", encoding="utf-8")
    target = tmp_path / "kept.txt"
    target.write_text("kept", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.html"
    os.mkfifo(fifo)
    for path in (mine, link, fifo):
        with pytest.raises(InputError, match="not a ClaimBench report"):
            write_report([runs[0]], path)
    assert mine.read_text(encoding="utf-8") == "<html>my notes</html>"
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "kept"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    page = write_report([runs[0]], tmp_path / "page.html")
    assert write_report([runs[0]], page) == page  # an earlier report is replaced


# ------------------------------------------------------------------ geometry and scale

def test_segments_and_lanes_against_brute_force():
    rng = random.Random(7)
    for _ in range(200):
        length = rng.randint(1, 60)
        spans = []
        for _ in range(rng.randint(0, 12)):
            start = rng.randrange(length)
            spans.append((start, rng.randint(start + 1, length)))
        cut = segments(length, spans)
        assert cut[0][0] == 0 and cut[-1][1] == length
        assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(cut, cut[1:]))
        assert len(cut) <= 2 * len(spans) + 1
        for start, end, covering in cut:
            for offset in range(start, end):
                assert set(covering) == {i for i, (s, e) in enumerate(spans) if s <= offset < e}
        lane, width = lanes(spans)
        for i, (s1, e1) in enumerate(spans):
            assert lane[i] < width[i]
            for j, (s2, e2) in enumerate(spans[:i]):
                if s1 < e2 and s2 < e1:
                    assert lane[i] != lane[j] and width[i] == width[j]


def _synthetic_run(folder, copies, n_predictions, seed):
    """One article made of ``copies`` copies of the longest seed, its gold repeated, and nested
    and overlapping predictions all over it."""
    corpus = load_corpus()
    doc_id = max(corpus.documents, key=lambda d: len(corpus.documents[d].text))
    text = corpus.documents[doc_id].text
    step = len(text) + 2
    article = "\n\n".join([text] * copies)
    gold = [{"id": f"c{k}-{c.id}", "start": c.start + k * step, "end": c.end + k * step, "text": c.text,
             "type": c.type, "claimant": c.claimant, "attribution": c.attribution}
            for k in range(copies) for c in corpus.gold[doc_id]]
    rng = random.Random(seed)
    predictions = []
    while len(predictions) < n_predictions:
        centre = rng.randrange(20, len(article) - 20)
        for depth in range(rng.randint(1, 5)):
            half = rng.randint(3, 150) + 20 * depth
            start, end = max(0, centre - half - rng.randint(0, 30)), min(len(article), centre + half)
            predictions.append({"doc_id": "big", "start": start, "end": end, "type": rng.choice(CLAIM_TYPES),
                                "claimant": "someone"})
    folder.mkdir()
    (folder / "docs.jsonl").write_text(json.dumps({"doc_id": "big", "text": article}) + "\n", encoding="utf-8")
    (folder / "gold.jsonl").write_text(json.dumps({"doc_id": "big", "claims": gold}) + "\n", encoding="utf-8")
    (folder / "p.jsonl").write_text("".join(json.dumps(p) + "\n" for p in predictions[:n_predictions]),
                                    encoding="utf-8")
    return _score(folder / "p.jsonl", folder / "results", "--gold", str(folder / "gold.jsonl"),
                  "--docs", str(folder / "docs.jsonl")), len(gold) + n_predictions


def _timed_render(run):
    best, html = float("inf"), ""
    for _ in range(3):
        started = time.perf_counter()
        html = render_report([run])
        best = min(best, time.perf_counter() - started)
    return best, html


def test_a_long_dense_article_renders_fast_and_linearly(tmp_path):
    small, small_claims = _synthetic_run(tmp_path / "x1", 1, 50, seed=1)
    large, large_claims = _synthetic_run(tmp_path / "x10", 10, 500, seed=2)
    small_time, small_html = _timed_render(small)
    large_time, large_html = _timed_render(large)
    assert large_time < 2.0, f"{large_time:.2f}s for a 10x article with {large_claims} claims"
    assert len(large_html) / len(small_html) < 20
    segments_shown = large_html.count('<span class="s ')
    assert segments_shown <= 2 * large_claims + 1
    page = Page(large_html)
    (container,) = page.containers
    assert len(container["markers"]) == large_claims
    _check_segments(container)


# ------------------------------------------------------------------ in a real browser

def _chromium():
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    return found


def _browse(chromium, profile, *args):
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _check_png(path, width, height):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (width, height)
    assert len(data) > 40_000, "the screenshot is nearly blank"


def test_chromium_renders_every_claim(runs, tmp_path):
    chromium = _chromium()
    run_a, run_b = runs
    page_file = write_report([run_a], tmp_path / "report.html")
    dom = Page(_browse(chromium, tmp_path / "profile", "--dump-dom", page_file.as_uri()))
    per_outcome = Counter(m["data-outcome"] for c in dom.containers for m in c["markers"])
    expected = Counter(kind for _, _, kind, _, _ in _expected(run_a).elements())
    assert per_outcome == expected
    assert Counter(_key(m) for c in dom.containers for m in c["markers"]) == _expected(run_a)

    ARTIFACTS.mkdir(exist_ok=True)
    compare_file = write_report([run_a, run_b], tmp_path / "compare.html")
    for source, name in ((page_file, "report.png"), (compare_file, "report-compare.png")):
        shot = ARTIFACTS / name
        shot.unlink(missing_ok=True)
        _browse(chromium, tmp_path / "profile", "--hide-scrollbars", f"--screenshot={shot}", "--window-size=1280,2000",
                source.as_uri())
        _check_png(shot, 1280, 2000)


def test_chromium_runs_the_page_script(runs, tmp_path):
    """Hovering text lights up the claims covering it in the table; the badge switch hides the badges."""
    chromium = _chromium()
    html = render_report([runs[0]])
    found = _probe(chromium, tmp_path, html, """
    var segment = document.querySelector('.s[data-g][data-p]');
    segment.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    var box = document.querySelector('input[data-toggle=no-mk]');
    box.checked = false;
    box.dispatchEvent(new Event('change', {bubbles: true}));
    document.body.dataset.probe = JSON.stringify({
      refs: (segment.dataset.g + ' ' + segment.dataset.p).split(' '),
      rows: Array.from(document.querySelectorAll('tr.lit')).map(function (r) { return r.dataset.ref; }),
      badge: getComputedStyle(document.querySelector('.text .mk')).display,
    });
    """)
    lit = {ref for row in found["rows"] for ref in row.split()}
    assert set(found["refs"]) <= lit and found["rows"]
    assert found["badge"] == "none"


def _perf_corpus(folder: Path, n_docs: int, claims_per_doc: int) -> None:
    """The synthetic corpus of tests/perf/bench_score.py (docs.jsonl, gold.jsonl, preds.jsonl)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_score", ROOT / "tests" / "perf" / "bench_score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_corpus(folder, n_docs, claims_per_doc, seed=0)


def test_a_report_over_ten_thousand_documents_stays_small(tmp_path, capsys):
    _perf_corpus(tmp_path, 10_000, 2)
    out = tmp_path / "runs"
    assert main(["score", str(tmp_path / "preds.jsonl"), "--gold", str(tmp_path / "gold.jsonl"),
                 "--docs", str(tmp_path / "docs.jsonl"), "--bootstrap", "0", "--quiet", "--out", str(out),
                 "--report"]) == 0
    capsys.readouterr()
    (run,) = [p for p in out.iterdir() if p.is_dir()]
    page = (run / "report.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 10_000_000
    # every document has a row in the table; the 20 worst are shown in full, and linked
    assert len(re.findall(r'<tr data-err="[01]"(?: data-shown)?><td>(?:<a href="#doc-\d+">)?doc\d{7}', page)) == 10_000
    linked = re.findall(r'<tr data-err="[01]" data-shown><td><a href="#doc-(\d+)">', page)
    assert page.count('class="card article"') == 20 and len(linked) == 20
    # the articles come worst first: their order is the table's rows sorted by F1, ties by id
    f1 = {int(k): float(v) for k, v in re.findall(r'<a href="#doc-(\d+)">doc\d{7}</a></td><td>\d+</td><td>\d+</td>'
                                                   r'<td data-v="([0-9.]+)">', page)}
    order = [int(k) for k in re.findall(r'<section class="card article" id="doc-(\d+)"', page)]
    assert order == sorted(map(int, linked), key=lambda k: (f1[k], k))
    # --doc picks the articles instead
    chosen = ["doc0009999", "doc0000007"]
    page = render_report([run], show=chosen)
    assert page.count('class="card article"') == 2
    assert re.findall(r'<section class="card article" id="doc-(\d+)"', page) == ["9999", "7"]
    assert '<a href="#doc-7">doc0000007</a>' in page and '<a href="#doc-9999">doc0009999</a>' in page


# ------------------------------------------------------------------ a report that navigates

def _probe(chromium, tmp_path, html, script):
    """Run ``script`` in the page in headless Chromium; it stores JSON in body[data-probe], read back here."""
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", f"<script>{script}</script></body>"), encoding="utf-8")
    dom = _browse(chromium, tmp_path / "profile", "--dump-dom", page.as_uri())

    class Body(HTMLParser):
        probe = None

        def handle_starttag(self, tag, attrs):
            if tag == "body":
                self.probe = dict(attrs).get("data-probe")

    reader = Body()
    reader.feed(dom)
    return json.loads(reader.probe)


def test_chromium_sorts_and_filters_the_documents_and_hides_matches(tmp_path, capsys):
    """A 300-document run: the table sorts by F1 both ways (n/a last), filters by id and by errors, and an
    article's table shows its errors only when asked."""
    chromium = _chromium()
    _perf_corpus(tmp_path, 300, 2)
    out = tmp_path / "runs"
    assert main(["score", str(tmp_path / "preds.jsonl"), "--gold", str(tmp_path / "gold.jsonl"),
                 "--docs", str(tmp_path / "docs.jsonl"), "--bootstrap", "0", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    (run,) = [p for p in out.iterdir() if p.is_dir()]
    html = render_report([run], worst=300)
    found = _probe(chromium, tmp_path, html, """
    function ids(){return Array.from(document.querySelectorAll('table.docs tbody tr')).filter(function(r){
      return !r.hidden;}).map(function(r){return [r.cells[0].textContent, r.cells[3].getAttribute('data-v')];});}
    var f1 = document.querySelector('table.docs th button[data-sort="3"]');
    f1.click(); var up = ids();
    f1.click(); var down = ids();
    document.querySelector('[data-worst]').click(); var worst = ids();
    var box = document.querySelector('[data-filter]');
    box.value = '00001'; box.dispatchEvent(new Event('input', {bubbles: true})); var filtered = ids();
    box.value = ''; box.dispatchEvent(new Event('input', {bubbles: true}));
    var errs = document.querySelector('[data-errors]');
    errs.checked = true; errs.dispatchEvent(new Event('change', {bubbles: true})); var withErrors = ids();
    var count = document.querySelector('[data-count]').textContent;
    var article = Array.from(document.querySelectorAll('section.article')).filter(function(s){
      return s.querySelector('tr.ok') && s.querySelector('tr.err');})[0];
    var toggle = article.querySelector('[data-errors-only]');
    var before = Array.from(article.querySelectorAll('.claims tbody tr')).filter(function(r){
      return getComputedStyle(r).display !== 'none';}).length;
    toggle.checked = true; toggle.dispatchEvent(new Event('change', {bubbles: true}));
    var after = Array.from(article.querySelectorAll('.claims tbody tr')).filter(function(r){
      return getComputedStyle(r).display !== 'none';}).map(function(r){return r.dataset.outcome + ' ' + r.className;});
    document.body.dataset.probe = JSON.stringify({up: up, down: down, worst: worst, filtered: filtered,
      withErrors: withErrors, count: count, before: before, after: after,
      sort: f1.parentNode.getAttribute('aria-sort')});
    """)
    from bench.pages.read import read_view

    view = read_view(run)  # the expected values come from the run's own arrays, not from the page
    table = view.document_counts()
    shown = [None if r["f1"] is None else float(f"{r['f1']:.6f}") for r in table]
    ascending = sorted(range(len(shown)), key=lambda k: (shown[k] is None, shown[k] or 0.0, k))
    value = lambda pairs: [(d, None if v in (None, "") else float(v)) for d, v in pairs]  # noqa: E731
    up = value(found["up"])
    assert up == [(view.doc_ids[k], shown[k]) for k in ascending]
    down = value(found["down"])
    known = [v for _, v in down if v is not None]
    assert known == sorted(known, reverse=True) and all(v is None for _, v in down[len(known):])
    assert found["worst"] == found["up"] and found["sort"] == "ascending"
    assert sorted(d for d, _ in found["filtered"]) == [d for d in view.doc_ids if "00001" in d]
    with_errors = {d for d, r in zip(view.doc_ids, table) if any(r[o] for o in OUTCOMES if o != "matched")}
    assert {d for d, _ in found["withErrors"]} == with_errors and len(with_errors) < len(view.doc_ids)
    assert found["count"] == f"{len(with_errors)} of {len(view.doc_ids)} documents"
    assert found["before"] > len(found["after"]) and found["after"]
    assert all(not row.startswith("matched ") or "flagged" in row for row in found["after"])


def test_articles_come_worst_first_with_wrong_claimants_flagged_and_types_confused(runs):
    from bench.pages.read import read_view

    view = read_view(runs[0])
    counts = view.document_counts()
    page = render_report([runs[0]], worst=5)
    order = re.findall(r'<section class="card article" id="doc-(\d+)"', page)
    expected = sorted(range(len(view.doc_ids)), key=lambda k: (counts[k]["f1"], view.doc_ids[k]))
    assert [int(k) for k in order] == expected and len({c["f1"] for c in counts}) > 1
    # a matched prediction naming another claimant is flagged in its row; every such row, and only those
    flagged = page.count('<span class="flag">claimant wrong</span>')
    wrong = sum(1 for doc_id, side, kind, claim in _records(runs[0]) if side == "pred" and kind == "matched"
                and claim.claimant == TRICKY_CLAIMANT)
    assert flagged == wrong > 0
    # the confusion matrix: the diagonal holds the matches, the rest the wrong types, over all documents
    arrays = np.load(runs[0] / "outcomes.npz")
    kinds = arrays["lenient.gold_kind"]
    cells = {(a, b): int(n) for a, b, n in re.findall(r'<a href="#cf-(\w+)-(\w+)">(\d+)</a>', page)}
    assert sum(n for (a, b), n in cells.items() if a == b) == int(np.sum(kinds == OUTCOMES.index("matched")))
    assert sum(n for (a, b), n in cells.items() if a != b) == int(np.sum(kinds == OUTCOMES.index("wrong_type")))
    for (a, b), n in cells.items():
        case_list = re.search(rf'<details id="cf-{a}-{b}">.*?</details>', page, flags=re.S).group(0)
        assert case_list.count("<li>") == min(n, 30)


def test_the_two_run_page_shows_the_p_values_compare_prints(runs, capsys):
    page = render_report(list(runs))
    assert main(["compare", str(runs[0]), str(runs[1]), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    shown = re.findall(r'<span class="(?:sig)?">([^<]+)</span></td></tr>', page)
    assert shown == [("<0.001" if r["runs"][1]["p_value"] == 0 else f'{r["runs"][1]["p_value"]:.3f}')
                     if r["runs"][1]["p_value"] is not None else "-" for r in rows]
    assert "paired bootstrap" in page


def test_the_quantities_and_links_pages_speak_of_their_own_records(capsys):
    reference = ROOT / "results" / "reference" / "seeds"
    (quantities,) = (reference / "quantities").iterdir()
    page = render_report([quantities])
    results = _results(quantities)
    assert f"{results['gold']['quantities']} quantity mentions" in page
    legend = page[page.index("How to read the articles"):]
    legend = legend[:legend.index("</section>")]
    assert "wrong type" not in legend and "figure" in legend and "claim" not in legend.replace("claimbench", "")
    assert "wrong type" not in page[page.index('id="documents"'):page.index("How to read the articles")]
    labels = re.findall(r'<text x="[\d.]+" y="[\d.]+" text-anchor="end" transform="rotate\(-35 [^"]+\)">([^<]+)</text>',
                        page)
    assert "value-compatible accuracy" in labels  # long labels are slanted, whole, not cut or overlapping
    (links,) = [r for r in (reference / "links").iterdir() if r.name.startswith("rules-")]
    page = render_report([links])
    results = _results(links)
    assert f"{results['gold']['clusters']} clusters, {results['gold']['conflicts']} conflicts" in page
    assert "How to read the links" in page and "kept whole" in page
