#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks in printf formats are Markdown, not command substitution
# The logic of action.yml: diff a pull request's environment files against its base, put the
# Markdown report in the job summary, and exit as envtool does (0 ok, 1 the policy's fail-on
# matched, 2 error). Runs anywhere with git and envtool, so it can be tried locally:
#
#   GITHUB_BASE_REF=main GITHUB_STEP_SUMMARY=/tmp/summary.md bash scripts/github-action.sh
#
# Inputs, as the action passes them (all optional):
#   INPUT_BASE_REF   revision to compare with; default origin/$GITHUB_BASE_REF (the PR's base)
#   INPUT_FILES      environment files to diff, separated by spaces or newlines; default: every
#                    changed file that `envtool diff --base` recognises (policy env-files)
#   INPUT_FAIL_ON    kinds/sizes that fail, as for --fail-on; default: the repository's policy
#   INPUT_ARGS       more arguments for `envtool diff`, e.g. --ignore-builds
#   INPUT_ANNOTATIONS  "true": also print workflow annotations on the changed lines of the
#                    files (`envtool diff --format github`); action.yml's default is true
#   ENVTOOL          the envtool command (default: envtool; may be "python -m envtool")
set -uo pipefail

read -r -a envtool <<<"${ENVTOOL:-envtool}"
summary=${GITHUB_STEP_SUMMARY:-/dev/null}

fail() { # message: an error annotation, a line in the summary, exit 2
    echo "::error title=envtool::$1" >&2
    printf '**envtool:** %s\n' "$1" >>"$summary"
    exit 2
}

git rev-parse --is-inside-work-tree >/dev/null 2>&1 || fail "not in a git work tree: $(pwd)"

# --- the revision to compare with --------------------------------------------------------------
ref=${INPUT_BASE_REF:-}
if [[ -z $ref ]]; then
    [[ -n ${GITHUB_BASE_REF:-} ]] ||
        fail "no base to compare with: not a pull_request event, and the base-ref input is empty"
    ref="origin/$GITHUB_BASE_REF"
fi
if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
    # actions/checkout fetches only the merge commit by default: fetch the base branch too.
    branch=${ref#origin/}
    git fetch --quiet --no-tags --depth=1 origin "+refs/heads/$branch:refs/remotes/origin/$branch" \
        >/dev/null 2>&1 || true
    [[ $ref == "$branch" ]] && git rev-parse --verify --quiet "origin/$branch^{commit}" >/dev/null &&
        ref="origin/$branch"
    git rev-parse --verify --quiet "$ref^{commit}" >/dev/null ||
        fail "unknown git revision '$ref' (and it could not be fetched from origin)"
fi
# Compare with the merge base, so that what the base branch did meanwhile does not show up
# reversed; in a shallow clone there may be none, and the base itself is the best there is.
base=$(git merge-base "$ref" HEAD 2>/dev/null) || base=$(git rev-parse "$ref^{commit}")

# --- the diff ----------------------------------------------------------------------------------
options=(--format markdown)
[[ -n ${INPUT_FAIL_ON:-} ]] && options+=(--fail-on "$INPUT_FAIL_ON")
read -r -a extra <<<"${INPUT_ARGS:-}"
((${#extra[@]})) && options+=("${extra[@]}")

report=$(mktemp)
errors=$(mktemp)
notes=$(mktemp)
trap 'rm -f "$report" "$errors" "$notes"' EXIT
status=0
annotate() { # the same diff as GitHub annotations (its errors are the report's already)
    [[ ${INPUT_ANNOTATIONS:-false} == true ]] || return 0
    "${envtool[@]}" diff "$@" --format github "${options[@]:2}" >>"$notes" 2>/dev/null
}

if [[ -z ${INPUT_FILES:-} ]]; then
    "${envtool[@]}" diff --base "$base" "${options[@]}" >"$report" 2>"$errors"
    status=$?
    ((status < 2)) && annotate --base "$base"
else
    read -r -d '' -a files <<<"$INPUT_FILES"
    for file in "${files[@]}"; do
        if ! git cat-file -e "$base:./$file" 2>/dev/null; then
            [[ -e $file ]] || fail "$file: not in $ref and not in the work tree"
            printf '### `%s`\n\nNew file (not in `%s`).\n\n' "$file" "$ref" >>"$report"
            continue
        elif [[ ! -e $file ]]; then
            printf '### `%s`\n\nDeleted (it is in `%s`).\n\n' "$file" "$ref" >>"$report"
            continue
        fi
        "${envtool[@]}" diff "$base:./$file" "$file" "${options[@]}" >>"$report" 2>>"$errors"
        code=$?
        ((code > status)) && status=$code
        ((code < 2)) && annotate "$base:./$file" "$file"
    done
fi

cat "$report" "$notes"
cat "$errors" >&2
{
    if [[ -s $report ]]; then
        cat "$report"
    elif ((status == 0)); then
        printf 'No environment file changed since `%s`.\n' "$ref"
    fi
    case $status in
    0) ;;
    1) printf '\n**envtool:** changes of a kind the policy fails on (fail-on).\n' ;;
    *) printf '\n**envtool failed** (exit %s): %s\n' "$status" "$(tail -n 1 "$errors")" ;;
    esac
} >>"$summary"
((status >= 2)) && echo "::error title=envtool::$(tail -n 1 "$errors")" >&2
[[ -n ${GITHUB_OUTPUT:-} ]] && echo "exit-code=$status" >>"$GITHUB_OUTPUT"
exit "$status"
