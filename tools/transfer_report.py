#!/usr/bin/python3
"""The tables of docs/TRANSFER.md, from the benchmark's raw results.

    tools/transfer_report.py DIR > tables.md

DIR holds results.tsv (tools/transfer_bench.py's, the grid and the tricks), imbalanced.tsv (the same
for the --imbalanced tasks) and reference.tsv (tools/transfer_reference.py's). Prints, per strategy,
the old default, the new one and the best three-seed recipe per pair; the three-seed ranking; the
seed-0 screen; and each training trick against its base recipe on the seeds both ran.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transfer_bench as t  # noqa: E402

d = sys.argv[1]
load = lambda name: t.read_results(os.path.join(d, name)) if os.path.exists(os.path.join(d, name)) else []
r1 = load("results.tsv")
r3 = []
ref = load("reference.tsv")
imb = load("imbalanced.tsv")
rows = r1 + ref
out=[]
P=out.append
for kind in ('ft','fe'):
    P(f"### {t.STRATEGY[kind]}: old default, new default, best three-seed recipe\n")
    P(t.summary(rows,kind,3)); P("")
    P(f"Three-seed {t.STRATEGY[kind]} recipes by worst gap to the best of them on each pair:\n")
    P("| recipe | worst gap | mean over pairs |"); P("|---|---|---|")
    for r,g,m in t.ranking(rows,kind,3): P(f"| `{r}` | {g:.1f} | {m:.1f} |")
    P("")
screen=[x for x in r1 if x[3]==0]
rec=list(dict.fromkeys(x[2] for x in screen))
for kind in ('ft','fe'):
    # The grid's recipes only: the tricks have tables of their own.
    rs=[r for r in rec if t.NAMED.get(r,r).startswith(kind) and not any(k in r for k in ("mixup", "ema", "lr=auto", "balance"))]
    P(f"### The seed-0 screen: {t.STRATEGY[kind]}\n")
    P(t.table(screen,rs)); P("")
def trick(base, variants, rows, label):
    runs=t.collect(rows)
    pairs=sorted({(s,tk) for s,tk,_ in runs}, key=t.pair_key)
    cols=[base]+[v for v in variants if all(p+(v,) in runs for p in pairs)]
    acc={}
    for x in rows: acc[(x[0],x[1],x[2],x[3])]=100*x[4]
    seeds=None
    for p in pairs:
        for c in cols:
            sd={k[3] for k in acc if k[:3]==p+(c,)}
            if not sd:
                return
            seeds=sd if seeds is None else seeds&sd
    seeds=sorted(seeds or [])
    if not seeds or len(cols) < 2:
        return
    P(f"### {label}\n")
    P(f"Mean test accuracy over seeds {', '.join(map(str,seeds))} (the seeds every column ran).\n")
    P("| source | task | "+" | ".join(f"`{c}`" for c in cols)+" |"); P("|---|---"+"|---"*len(cols)+"|")
    d={c:[] for c in cols}
    for p in pairs:
        m={c:statistics.mean(acc[p+(c,s)] for s in seeds) for c in cols}
        for c in cols: d[c].append(m[c]-m[base])
        P(f"| {p[0]} | {p[1]} | "+" | ".join(f"{m[c]:.1f}" for c in cols)+" |")
    P("| difference to the first column: mean (worst, best) | | - | "+" | ".join(
        f"{statistics.mean(d[c]):+.1f} ({min(d[c]):+.1f}, {max(d[c]):+.1f})" for c in cols[1:])+" |"); P("")
FT="ft:bf=1,lr=0.02,bs=20,ep=30,ls=0"
trick('fe-old',['fe:mixup=0.2','fe:ema','fe:lr=auto'], r1, "Feature-extract: mixup, weight average, --lr auto")
trick('ft-ref',[FT+',mixup=0.2',FT+',ema','ft:bf=1,lr=auto,bs=20,ep=30,ls=0'], r1, "Fine-tune: mixup, weight average, --lr auto")
if any(x[2]=='auto' for x in r3):
    trick('fe-old',['ft-ref','auto'], r1, "--strategy auto against both defaults")
if imb:
    trick('fe-old',['fe:balance=weights','fe:balance=sampler'], imb, "--balance on the imbalanced tasks: feature-extract")
    trick('ft-ref',[FT+',balance=weights',FT+',balance=sampler'], imb, "--balance on the imbalanced tasks: fine-tune")
print("\n".join(out))
