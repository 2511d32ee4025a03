#!/usr/bin/python3
"""The tables of docs/TRANSFER.md, from the benchmark's raw results.

    tools/transfer_report.py DIR > tables.md

DIR holds results.tsv (tools/transfer_bench.py's, the grid and the tricks), imbalanced.tsv (the same
for the --imbalanced tasks), auto-trial.tsv (--strategy auto's trial lengths, run before
feature-extract's default changed), failures.tsv (runs ferry refused) and reference.tsv
(tools/transfer_reference.py's). Prints, per strategy,
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
trials = load("auto-trial.tsv")
# Runs ferry refused (e.g. --lr auto on a curve with nothing to suggest): source, task, recipe, seed.
refused = set()
if os.path.exists(os.path.join(d, "failures.tsv")):
    for line in open(os.path.join(d, "failures.tsv")):
        f = line.rstrip("\n").split("\t")
        refused.add((f[0], f[1], f[2], int(f[3])))
rows = r1 + ref
out=[]
P=out.append
# Fine-tune's finalists ran five seeds; feature-extract's, cheaper and noisier, ten.
SEEDS={'ft':5,'fe':10}
WORDS={3:'three',5:'five',8:'eight',10:'ten'}
for kind in ('ft','fe'):
    n=SEEDS[kind]
    P(f"### {t.STRATEGY[kind]}: old default, new default, best {WORDS[n]}-seed recipe\n")
    P(t.summary(rows,kind,n)); P("")
    P(f"{WORDS[n].capitalize()}-seed {t.STRATEGY[kind]} recipes by worst gap to the best of them on each pair:\n")
    P("| recipe | worst gap | mean over pairs |"); P("|---|---|---|")
    for r,g,m in t.ranking(rows,kind,n): P(f"| `{r}` | {g:.1f} | {m:.1f} |")
    P("")
screen=[x for x in r1 if x[3]==0]
rec=list(dict.fromkeys(x[2] for x in screen))
for kind in ('ft','fe'):
    # The grid's recipes only: the tricks have tables of their own.
    rs=[r for r in rec if t.NAMED.get(r,r).startswith(kind) and not any(k in r for k in ("mixup", "ema", "lr=auto", "balance"))]
    P(f"### The seed-0 screen: {t.STRATEGY[kind]}\n")
    P(t.table(screen,rs)); P("")
def trick(base, variants, rows, label):
    """Each variant against base on the seeds both ran; a refused run is a cell of its own."""
    acc={}
    for x in rows: acc[(x[0],x[1],x[2],x[3])]=100*x[4]
    pairs=sorted({k[:2] for k in acc if k[2]==base}, key=t.pair_key)
    cols=[base]+[v for v in variants if any(k[2]==v for k in acc) or any(k[2]==v for k in refused)]
    if len(cols) < 2:
        return
    seeds=sorted(set.intersection(*({k[3] for k in set(acc)|refused if k[2]==c} for c in cols)))
    if not seeds:
        return
    P(f"### {label}\n")
    P(f"Mean test accuracy over seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str,seeds))} (the seeds every column ran); "
      "`refused`: ferry stopped with an error instead of guessing.\n")
    P("| source | task | "+" | ".join(f"`{c}`" for c in cols)+" |"); P("|---|---"+"|---"*len(cols)+"|")
    d={c:[] for c in cols}
    nref={c:0 for c in cols}
    for p in pairs:
        cells=[]
        b=statistics.mean(acc[p+(base,s)] for s in seeds)
        for c in cols:
            if all(p+(c,s) in acc for s in seeds):
                m=statistics.mean(acc[p+(c,s)] for s in seeds)
                d[c].append(m-b); cells.append(f"{m:.1f}")
            elif any(p+(c,s) in refused for s in seeds):
                nref[c]+=1; cells.append("refused")
            else:
                cells.append("-")
        P(f"| {p[0]} | {p[1]} | "+" | ".join(cells)+" |")
    def diff(c):
        if not d[c]:
            return "-"
        text=f"{statistics.mean(d[c]):+.1f} ({min(d[c]):+.1f}, {max(d[c]):+.1f})"
        return text+(f", {nref[c]} refused" if nref[c] else "")
    P("| difference to the first column: mean (worst, best) | | - | "+" | ".join(diff(c) for c in cols[1:])+" |"); P("")
def chooser(rows, variants, label, fe):
    """--strategy auto against the two recipes it chooses between (fe and ft-ref), and whether it kept the better one."""
    acc={}
    for x in rows: acc[(x[0],x[1],x[2],x[3])]=100*x[4]
    ft='ft-ref'
    variants=[v for v in variants if any(k[2]==v for k in acc)]
    if not variants:
        return
    seeds=sorted(set.intersection(*({k[3] for k in acc if k[2]==c} for c in [fe,ft]+variants)))
    pairs=sorted({k[:2] for k in acc if k[2]==variants[0]}, key=t.pair_key)
    P(f"### {label}\n")
    P(f"Test accuracy, seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str,seeds))}. Each auto run ends with one "
      "candidate's full recipe, so its accuracy equals that candidate's run: FE or FT says which it kept, "
      "and **bold** marks a choice of the worse one by more than 2 points.\n")
    P(f"| source | task | feature-extract (`{fe}`) | fine-tune (`ft-ref`) | better of the two | "
      +" | ".join(f"`{v}`" for v in variants)+" |")
    P("|---|---|---|---|---"+"|---"*len(variants)+"|")
    tot={v:[] for v in variants}; wrong={v:0 for v in variants}; best=[]
    for p in pairs:
        for s in seeds:
            a,b=acc[p+(fe,s)],acc[p+(ft,s)]
            cells=[]
            for v in variants:
                x=acc.get(p+(v,s))
                if x is None:
                    cells.append("-"); continue
                which="FE" if abs(x-a)<1e-9 else "FT" if abs(x-b)<1e-9 else "?"
                bad=max(a,b)-x>2
                wrong[v]+=bad; tot[v].append(x)
                cells.append(("**" if bad else "")+f"{x:.1f} {which}"+("**" if bad else ""))
            best.append(max(a,b))
            P(f"| {p[0]} | {p[1]} | {a:.1f} | {b:.1f} | {max(a,b):.1f} | "+" | ".join(cells)+" |")
    mean=lambda xs: f"{statistics.mean(xs):.1f}" if xs else "-"
    P(f"| mean; choices worse by more than 2 points | | {mean([acc[p+(fe,s)] for p in pairs for s in seeds])} | "
      f"{mean([acc[p+(ft,s)] for p in pairs for s in seeds])} | {mean(best)} | "
      +" | ".join(f"{mean(tot[v])}; {wrong[v]} of {len(tot[v])}" for v in variants)+" |"); P("")
FT="ft:bf=1,lr=0.02,bs=20,ep=30,ls=0"
trick('fe-old',['fe:mixup=0.2','fe:ema'], r1, "Feature-extract: mixup, weight average")
trick('ft-ref',[FT+',mixup=0.2',FT+',ema'], r1, "Fine-tune: mixup, weight average")
trick('fe-old',['fe:lr=0.1','fe:lr=auto','fe:lr=auto:minimum','fe:lr=auto:valley'], r1,
      "Feature-extract: --lr auto's rules against the fixed rates")
trick('fe-old',['fe:lr=0.1','fe:lr=auto:minimum'], r1, "Feature-extract: --lr auto:minimum on three seeds")
trick('ft-ref',['ft:bf=1,lr=auto,bs=20,ep=30,ls=0','ft:bf=1,lr=auto:minimum,bs=20,ep=30,ls=0'], r1,
      "Fine-tune: --lr auto's rules against the fixed rate")
chooser(r1 + trials, ['auto:trial=0.34','auto:trial=0.5','auto'],
        "--strategy auto: trial length (feature-extract's rate then 0.05, auto-trial.tsv)", 'fe-old')
chooser(r1, ['auto'], "--strategy auto with the new defaults", 'fe:lr=0.1')
if imb:
    trick('fe-old',['fe:balance=weights','fe:balance=sampler'], imb, "--balance on the imbalanced tasks: feature-extract")
    trick('ft-ref',[FT+',balance=weights',FT+',balance=sampler'], imb, "--balance on the imbalanced tasks: fine-tune")
print("\n".join(out))
