#!/usr/bin/env bash
# Regenerates the reference runs the README's tables are made from (run from the repository root).
# The runs are deterministic: the same commands give the same scores.
set -euo pipefail
cd "$(dirname "$0")/../.."
R=results/reference
rm -rf "$R"/seeds "$R"/heldout "$R"/figures "$R"/dev-test
H="--gold tests/data/heldout/gold --docs tests/data/heldout/docs"
F="--gold tests/data/figures/gold --docs tests/data/figures/docs"
TRAIN="--train-gold gold --train-docs seeds"
# the held-out split of the development corpus; transformer and tagger leave one document out (plus dev-train)
D="--gold gold/dev/test/gold --docs gold/dev/test/docs"
# run folders are named by the second they start in: one second between corpora keeps the names apart
for model in sentences rules transformer tagger; do
  bench run --model $model --quiet --out $R/seeds/claims > /dev/null
  sleep 1
  bench run --model $model --quiet --out $R/heldout/claims $H $( [ $model = transformer ] || [ $model = tagger ] && echo $TRAIN ) > /dev/null
  bench run --model $model --quiet --out $R/figures/claims $F $( [ $model = transformer ] || [ $model = tagger ] && echo $TRAIN ) > /dev/null
done
for model in sentences rules transformer tagger; do
  bench run --model $model --quiet --out $R/dev-test/claims $D > /dev/null
done
bench run --model rules --task quantities --quiet --out $R/dev-test/quantities $D > /dev/null
bench run --model rules --task quantities --quiet --out $R/seeds/quantities > /dev/null
bench run --model rules --task quantities --quiet --out $R/heldout/quantities $H > /dev/null
bench run --model rules --task quantities --quiet --out $R/figures/quantities $F > /dev/null
for model in sentences rules transformer; do
  bench run --model $model --task links --quiet --out $R/seeds/links > /dev/null
done
# end to end: the rules' links over the rules' own predicted claims
claims_run=$(ls -d $R/seeds/claims/rules-* | head -1)
bench run --model rules --task links --claims-run "$claims_run" --quiet --out $R/seeds/links-end-to-end > /dev/null
bench run --model sentences --task links --claims-run "$claims_run" --quiet --out $R/seeds/links-end-to-end > /dev/null
python3 results/reference/readme_tables.py
