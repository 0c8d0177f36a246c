#!/usr/bin/env bash
# hogmf in a shell pipeline: generated ratings are compressed on the way out,
# decompressed into training, and predictions and recommendations flow
# through sort, awk and cut, every file handed over as '-' (standard input or
# output). The script checks what each step produced and fails on any error.
#
#   examples/shell/pipeline.sh [path/to/hogmf]    # default: hogmf on PATH
set -euo pipefail

hogmf=${1:-hogmf}
if [[ $hogmf == */* ]]; then hogmf=$(cd "$(dirname "$hogmf")" && pwd)/$(basename "$hogmf"); fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() {
  echo "pipeline.sh: $*" >&2
  exit 1
}

# 1. Ratings of a planted rank-5 matrix plus noise 0.3, 10% held out to
#    test.txt; the rest goes to standard output, compressed by gzip.
"$hogmf" gen --shape=lowrank --ratings=60000 --users=1000 --items=500 --rank=5 --noise=0.3 \
  --seed=7 --quiet --out=- --test-out=test.txt | gzip > ratings.txt.gz
train_lines=$(zcat ratings.txt.gz | wc -l)
test_lines=$(wc -l < test.txt)
[[ $((train_lines + test_lines)) -eq 60000 && $test_lines -gt 0 ]] ||
  fail "gen wrote $train_lines + $test_lines ratings, expected 60000"

# 2. Train on the decompressed stream; the model is written to a file.
zcat ratings.txt.gz | "$hogmf" train --format=libmf --k=8 --epochs=20 --quiet - model
[[ -s model ]] || fail "train wrote no model"

# 3. Evaluate on the held-out ratings read from standard input: the RMSE
#    approaches the planted noise (0.3).
rmse=$("$hogmf" eval --quiet model - < test.txt | awk '$1 == "rmse" { print $2 }')
awk -v r="$rmse" 'BEGIN { exit !(r > 0 && r < 0.6) }' || fail "held-out RMSE $rmse, expected < 0.6"

# 4. Predict the held-out (user, item) pairs: pairs in from standard input,
#    one prediction per pair out to standard output, the five highest kept.
cut -d' ' -f1,2 test.txt > pairs.txt
predictions=$("$hogmf" predict --quiet model - - < pairs.txt | wc -l)
[[ $predictions -eq $test_lines ]] || fail "$predictions predictions for $test_lines pairs"
# (awk, not head, takes the first lines: it reads to the end, so sort never
# writes into a closed pipe, which pipefail would count as a failure.)
"$hogmf" predict --quiet model - - < pairs.txt | sort -g -r | awk 'NR <= 5' > top.txt
[[ $(wc -l < top.txt) -eq 5 ]] || fail "top.txt has not 5 lines"

# 5. Three recommendations for every user, streamed to standard output; each
#    user's lines come together, ranks 1, 2, 3.
"$hogmf" recommend --quiet model --all-users --top=3 - > recommendations.tsv
users=$(cut -f1 recommendations.tsv | uniq | wc -l)
[[ $users -gt 900 && $(wc -l < recommendations.tsv) -eq $((3 * users)) ]] ||
  fail "recommendations for $users users are not 3 lines each"
awk -F'\t' 'NR <= 3 { print $3 }' recommendations.tsv | tr '\n' ' ' | grep -qx '1 2 3 ' ||
  fail "the first user's ranks are not 1 2 3"
# The same lists for three users named on standard input.
cut -f1 recommendations.tsv | uniq | awk 'NR <= 3' |
  "$hogmf" recommend --quiet model --users=- --top=3 - > three.tsv
awk 'NR <= 9' recommendations.tsv | cmp -s - three.tsv || fail "--users=- lists differ"

# 6. Convert between formats through pipes: text in, binary out, and back.
zcat ratings.txt.gz | "$hogmf" convert --quiet - - > ratings.bin
"$hogmf" convert --quiet --to=libmf-text - - < ratings.bin | wc -l > converted_lines
[[ $(cat converted_lines) -eq $train_lines ]] || fail "the binary round trip lost ratings"

echo "pipeline.sh: $train_lines training ratings, held-out RMSE $rmse, $predictions predictions," \
  "recommendations for $users users"
