"""The look of ``bench report``: colours, outcome glyphs, CSS and the small script, in one place.

Everything is inlined into the page, so a report opens offline and can be mailed as one file.
"""

from __future__ import annotations

from ..records import CLAIM_TYPES
from ..matching import BOUNDARY, MATCHED, MISSED, OUTCOMES, SPURIOUS, WRONG_TYPE

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
_PALETTE = ("#0072B2", "#CC79A7", "#E69F00", "#009E73")
TYPE_COLOURS: dict[str, str] = dict(zip(CLAIM_TYPES, _PALETTE, strict=True))
OTHER_COLOUR = "#7a7a7a"

# Marks a page as ClaimBench's, so that `bench report` replaces an earlier report and nothing else.
GENERATOR_TAG = '<meta name="generator" content="ClaimBench '

OUTCOME_GLYPHS = {MATCHED: "✓", WRONG_TYPE: "⇄", BOUNDARY: "↔", MISSED: "✗", SPURIOUS: "+"}
OUTCOME_LABELS = {MATCHED: "matched", WRONG_TYPE: "wrong type", BOUNDARY: "boundary", MISSED: "missed",
                  SPURIOUS: "spurious"}
OUTCOME_HELP = {
    MATCHED: "gold claim and prediction agree under the scheme",
    WRONG_TYPE: "the spans agree but the predicted type differs",
    BOUNDARY: "the spans overlap, too little to count",
    MISSED: "gold claim that no prediction found",
    SPURIOUS: "prediction with no gold claim",
}
# How a gold claim's underline is drawn for each outcome (a prediction is a fill).
GOLD_LINES = {MATCHED: "solid", WRONG_TYPE: "dashed", BOUNDARY: "dotted", MISSED: "double"}
PRED_ALPHA = 0.27
assert set(OUTCOME_GLYPHS) == set(OUTCOME_LABELS) == set(OUTCOME_HELP) == set(OUTCOMES)

# Two runs contrasted: which of them matched a gold claim.
A_ONLY, B_ONLY, BOTH, NEITHER = "a_only", "b_only", "both", "neither"
STATUSES = (A_ONLY, B_ONLY, BOTH, NEITHER)
STATUS_LABELS = {A_ONLY: "A only", B_ONLY: "B only", BOTH: "both", NEITHER: "neither"}
RUN_COLOURS = {"A": "#F0B400", "B": "#8A63D2"}
STATUS_FILLS = {A_ONLY: (RUN_COLOURS["A"], 0.38), B_ONLY: (RUN_COLOURS["B"], 0.33), BOTH: ("#9aa3b2", 0.18)}

# Bars of the per-type chart: neutral so they never read as claim types.
METRIC_COLOURS = {"precision": "#c3c8d2", "recall": "#8a93a6", "f1": "#2f3747"}

# Stacked underlines: one slot per lane below the text; fills share the text height in bands.
MAX_LANES = 4
SLOT_PX = 5
LINE_PX = 3


def type_colour(claim_type: str) -> str:
    return TYPE_COLOURS.get(claim_type, OTHER_COLOUR)


def type_class(claim_type: str) -> str:
    return f"ty-{claim_type}" if claim_type in TYPE_COLOURS else "ty-other"


def rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:g})"


def underline_image(colour: str, pattern: str) -> str:
    """A CSS image drawing one underline of the given pattern (a fixed-height layer)."""
    if pattern == "dashed":
        return f"repeating-linear-gradient(90deg,{colour} 0 7px,transparent 7px 10px)"
    if pattern == "dotted":
        return f"repeating-linear-gradient(90deg,{colour} 0 3px,transparent 3px 6px)"
    if pattern == "double":
        return f"linear-gradient({colour} 0 1.2px,transparent 1.2px 2.4px,{colour} 2.4px 3.6px)"
    return f"linear-gradient({colour},{colour})"


def fill_image(colour: str, alpha: float, hatched: bool = False) -> str:
    if hatched:
        return (f"repeating-linear-gradient(135deg,{rgba(colour, min(1.0, alpha * 1.7))} 0 3px,"
                f"{rgba(colour, alpha * 0.3)} 3px 6px)")
    tint = rgba(colour, alpha)
    return f"linear-gradient({tint},{tint})"


def base_css() -> str:
    types = "".join(f".{type_class(t)}{{--c:{c};--f:{rgba(c, 0.25)}}}" for t, c in TYPE_COLOURS.items())
    types += f".ty-other{{--c:{OTHER_COLOUR};--f:{rgba(OTHER_COLOUR, 0.25)}}}"
    runs = "".join(f".run-{k}{{--c:{c};--f:{rgba(c, 0.35)}}}" for k, c in RUN_COLOURS.items())
    return types + runs + _CSS


_CSS = """
:root{--ink:#1d2330;--muted:#5d6678;--line:#e2e5eb;--bg:#f4f5f8;--card:#fff;--lit:#fff3c4}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","DejaVu Sans",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:4px 0 2px}h2{font-size:17px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px}
.sub{color:var(--muted);margin:0 0 12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:16px 0;
 box-shadow:0 1px 2px rgba(20,30,50,.04)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(430px,1fr));gap:16px}
.grid>.card{margin:0}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0}
.meta dt{color:var(--muted)}.meta dd{margin:0;overflow-wrap:anywhere}
code,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
table{border-collapse:collapse}
.scores{font-variant-numeric:tabular-nums;margin:4px 0 8px}
.scores th,.scores td{padding:4px 9px;text-align:right;border-bottom:1px solid var(--line);white-space:nowrap}
.scores th{font-weight:600;color:var(--muted);font-size:12px}
.scores th:first-child,.scores td:first-child{text-align:left}
.scores tr.agg td{border-top:1.5px solid #c9ced8;font-weight:600}
.scores tr.agg+tr.agg td{border-top:none}
.pos{color:#1a7f37}.neg{color:#c62828}
.note{color:var(--muted);font-size:12.5px;margin:6px 0 0}
.warn{background:#fff7e0;border:1px solid #f1d48a;border-radius:8px;padding:10px 14px;margin:12px 0}
.chip{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;line-height:18px;
 background:var(--f);color:var(--ink);border:1px solid var(--c);white-space:nowrap}
.scoreline{display:flex;flex-wrap:wrap;gap:8px 28px;align-items:flex-start}
.scoreline .note{max-width:520px}
.scroll{overflow-x:auto;max-width:100%}
.grid .scores th,.grid .scores td{padding:3px 7px}
.scores .ci{font-size:10.5px;color:var(--muted);font-weight:400}
.chart{display:block;max-width:100%;height:auto;margin-top:2px}
.chart text{font:11px system-ui,"DejaVu Sans",sans-serif;fill:#5d6678}
.legend{display:flex;flex-wrap:wrap;gap:8px 22px;align-items:center}
.legend .item{display:flex;gap:8px;align-items:center}
.legend .sample{font:15px/2.4 Georgia,"DejaVu Serif",serif;white-space:nowrap}
.legend .help{color:var(--muted);font-size:12px}
.toolbar{display:flex;gap:18px;flex-wrap:wrap;align-items:center;margin-top:10px;color:var(--muted)}
.toolbar label{cursor:pointer}
.docs td,.docs th{padding:3px 10px;border-bottom:1px solid var(--line);text-align:right;font-variant-numeric:tabular-nums}
.docs td:first-child,.docs th:first-child{text-align:left}.docs th{color:var(--muted);font-weight:600;font-size:12px}
.docs a{color:inherit}
.article h2 .id{font-weight:400;color:var(--muted);font-size:13px;margin-left:8px}
.counts{display:flex;gap:6px;flex-wrap:wrap;margin:0 0 10px}
.count{font-size:12px;padding:1px 8px;border-radius:9px;background:#eef0f4;color:#3a4252}
.text{font:16px/2.45 Georgia,"Iowan Old Style","DejaVu Serif",serif;white-space:pre-wrap;overflow-wrap:break-word;
 margin:0;padding:4px 2px;color:#1b1f27}
.s{background-repeat:no-repeat;cursor:default}
.s.lit{outline:1.5px solid #1d2330;outline-offset:1px;border-radius:2px}
.mk{display:inline-block;font:700 10px/1 system-ui,"DejaVu Sans",sans-serif;padding:2px 3px;margin:0 2px 0 0;
 border-radius:3px;vertical-align:5px;border:1.5px solid var(--c);cursor:help;min-width:15px;text-align:center}
.mk.g{background:#fff;color:var(--c)}
.mk.p{background:var(--c);color:#fff;border-radius:8px}
.mk.p.o-spurious{background:#fff;color:var(--c);border-style:dashed}
.mk.cmp{background:var(--c);color:#1d2330;border-color:rgba(0,0,0,.25)}
.mk.cmp.run-B{color:#fff}
.mk.lit{box-shadow:0 0 0 2px #1d2330}
body.no-mk .text .mk{display:none}
.claims{width:100%;font-size:13px;margin-top:12px}
.claims th{text-align:left;color:var(--muted);font-weight:600;font-size:12px;padding:4px 8px;border-bottom:1.5px solid #c9ced8}
.claims td{vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
.claims tr.lit td{background:var(--lit)}
.claims .o{white-space:nowrap}
.claims q{color:#2a303c}
.cl .where{color:var(--muted);font-size:11.5px}
.cl .who{color:#3a4252;font-size:12px;margin-top:1px}
.none{color:#b0b6c2}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
details{margin-top:10px}
.card>details .meta{margin-top:6px}
summary{cursor:pointer;color:#3a4252;font-weight:600}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
.tall{max-height:460px;overflow:auto;border:1px solid var(--line);border-radius:6px}
.sortable thead th{position:sticky;top:0;background:var(--card);z-index:1}
.sortable th button{font:inherit;color:inherit;background:none;border:0;padding:0;cursor:pointer;font-weight:600}
.sortable th[aria-sort=ascending] button::after{content:" ▲"}.sortable th[aria-sort=descending] button::after{content:" ▼"}
.sortable tfoot td{border-top:1.5px solid #c9ced8;font-weight:600;position:sticky;bottom:0;background:var(--card)}
.docs-tools input[type=search]{font:inherit;padding:3px 8px;border:1px solid #c9ced8;border-radius:6px;min-width:240px}
.docs-tools button{font:inherit;padding:2px 10px;border:1px solid #c9ced8;border-radius:6px;background:#fff;cursor:pointer}
.flag{display:inline-block;margin-left:6px;padding:0 6px;border-radius:8px;font-size:11px;background:#fde2e1;
 color:#9b1c1c;border:1px solid #f3b1ae}
.count.flag{margin-left:0}
label.only{margin-left:auto;font-size:12px;color:var(--muted);cursor:pointer}
.errors-only .claims tr.ok{display:none}
.confusion td,.confusion th{padding:4px 12px;text-align:center;border-bottom:1px solid var(--line);
 font-variant-numeric:tabular-nums}
.confusion td.diag{background:#eef6ee}.confusion td.off{background:#fdecea;font-weight:600}
.confusion a{color:inherit}
ul.cases{margin:6px 0 0;padding-left:20px;font-size:13px}
.sig{font-weight:600}
@media print{.toolbar{display:none}body{background:#fff}.card{box-shadow:none}}
"""

SCRIPT = """
(function(){
  var lit=[];
  function clear(){lit.forEach(function(e){e.classList.remove('lit');});lit=[];}
  function mark(sel){document.querySelectorAll(sel).forEach(function(e){e.classList.add('lit');lit.push(e);});}
  function refs(el){
    var s=el.classList.contains('s')?((el.dataset.g||'')+' '+(el.dataset.p||'')):(el.dataset.ref||'');
    return s.split(' ').filter(Boolean);
  }
  document.addEventListener('mouseover',function(ev){
    var el=ev.target.closest('.s,[data-ref]');
    clear();
    if(!el)return;
    refs(el).forEach(function(id){
      mark('[data-ref~="'+id+'"],.s[data-g~="'+id+'"],.s[data-p~="'+id+'"]');
    });
  });
  document.addEventListener('click',function(ev){
    var a=ev.target.closest&&ev.target.closest('a[href^="#"]');
    var target=a&&document.getElementById(a.getAttribute('href').slice(1));
    if(target&&target.tagName==='DETAILS')target.open=true;
  });
  document.addEventListener('change',function(ev){
    var t=ev.target;
    if(t.dataset&&t.dataset.toggle){document.body.classList.toggle(t.dataset.toggle,!t.checked);}
    if(t.hasAttribute&&t.hasAttribute('data-errors-only')){t.closest('section').classList.toggle('errors-only',t.checked);}
  });
  document.querySelectorAll('table.sortable').forEach(function(table){
    var body=table.tBodies[0], rows=Array.prototype.slice.call(body.rows), card=table.closest('.card');
    var state={col:-1,dir:1};
    function value(row,col,num){
      var cell=row.cells[col], v=cell.hasAttribute('data-v')?cell.getAttribute('data-v'):cell.textContent;
      if(!num)return v;
      return v===''||isNaN(+v)?null:+v;
    }
    function sortBy(col,num,dir){
      var keyed=rows.map(function(r,i){return [value(r,col,num),i,r];});
      keyed.sort(function(a,b){
        var x=a[0],y=b[0];
        if(x===null||y===null)return x===y?a[1]-b[1]:(x===null?1:-1);
        var c=num?x-y:(x<y?-1:x>y?1:0);
        return c*dir||a[1]-b[1];
      });
      var frag=document.createDocumentFragment();
      keyed.forEach(function(k){frag.appendChild(k[2]);});
      body.appendChild(frag);
      table.querySelectorAll('thead th').forEach(function(th,i){
        if(i===col)th.setAttribute('aria-sort',dir>0?'ascending':'descending');else th.removeAttribute('aria-sort');
      });
    }
    table.querySelectorAll('th button[data-sort]').forEach(function(button){
      button.addEventListener('click',function(){
        var col=+button.dataset.sort;
        state.dir=state.col===col?-state.dir:1;state.col=col;
        sortBy(col,button.hasAttribute('data-num'),state.dir);
      });
    });
    var find=card.querySelector('[data-filter]'),errs=card.querySelector('[data-errors]'),
        shown=card.querySelector('[data-shown-only]'),count=card.querySelector('[data-count]'),
        worst=card.querySelector('[data-worst]');
    function filter(){
      var needle=find?find.value.trim().toLowerCase():'',n=0;
      rows.forEach(function(r){
        var keep=(!needle||r.cells[0].textContent.toLowerCase().indexOf(needle)>=0)&&
          (!errs||!errs.checked||r.dataset.err==='1')&&(!shown||!shown.checked||r.hasAttribute('data-shown'));
        r.hidden=!keep;if(keep)n++;
      });
      if(count)count.textContent=n+' of '+rows.length+' documents';
    }
    [find,errs,shown].forEach(function(e){if(e)e.addEventListener('input',filter);if(e)e.addEventListener('change',filter);});
    if(worst)worst.addEventListener('click',function(){state.col=3;state.dir=1;sortBy(3,true,1);});
    filter();
  });
})();
"""
