#!/usr/bin/env bash
# Load benchmark: starts a release Scimitar on a fresh database, seeds it through /Bulk, then
# drives each scenario with wrk and prints one Markdown table row per scenario.
#
#   bench/run.sh [USERS=1000] [GROUPS=100 (at least 100)] [BIG_GROUP_MEMBERS=USERS]
#   DB=postgres bench/run.sh 100000     # fresh database through $BENCH_PG_URL
#   DURATION=10s CONNS=32 THREADS=1     # wrk settings (defaults shown)
#   ONLY='token|jwks' bench/run.sh      # only the scenarios whose name matches (grep -E)
#   BIN=/tmp/scimitar-old bench/run.sh  # another build (before/after comparisons; no rebuild)
#   CEILINGS=1 ONLY=... bench/run.sh   # the ceilings and the ratio table also when ONLY is set
#   PERF=1 ONLY='GET /Users' bench/run.sh   # also record a CPU profile of the server per scenario
#                                       # (perf record -g; target/perf/<scenario>.data)
#
# Needs: wrk (apt-get install wrk), python3, curl, bc; psql for DB=postgres.
set -euo pipefail
N=${1:-1000}
M=${2:-100}
BIG=${3:-$N}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
PORT=${PORT:-18080}
DB=${DB:-sqlite}
root=$(cd "$(dirname "$0")/.." && pwd)

if [[ -n ${BIN:-} ]]; then
  bin=$BIN
else
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  bin="$root/target/release/scimitar"
fi
work=$(mktemp -d)
token="bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
case "$DB" in
  sqlite) url="sqlite://$work/bench.db?mode=rwc" ;;
  postgres)
    admin=${BENCH_PG_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
    name="scimitar_bench_$$"
    psql "$admin" -qc "CREATE DATABASE $name"
    url="${admin%/*}/$name"
    drop_db() { psql "$admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" || true; }
    ;;
  *) echo "DB must be sqlite or postgres" >&2; exit 2 ;;
esac

# Starts the server (arguments: extra environment). The per-client and login rate limits are
# raised: the benchmark measures throughput, not the limiter.
start_server() {
  env "$@" SCIMITAR_CLIENT_FAILURES_PER_MINUTE=1000000000 SCIMITAR_LOGIN_ATTEMPTS_PER_MINUTE=1000000 \
    RUST_LOG=warn SCIMITAR_BIND="127.0.0.1:$PORT" SCIMITAR_BOOTSTRAP_TOKEN="$token" DATABASE_URL="$url" \
    SCIMITAR_MAX_BODY_BYTES=$((16 << 20)) "$bin" serve >>"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
}
pid=
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null; [[ $DB == postgres ]] && drop_db; rm -rf "$work"' EXIT
start_server

seed_start=$(date +%s.%N)
python3 "$root/bench/seed.py" "http://127.0.0.1:$PORT/scim/v2" "$token" "$N" "$M" "$BIG" "$work" >&2
seed_end=$(date +%s.%N)
echo "seeding took $(echo "$seed_end - $seed_start" | bc) s" >&2
# Table statistics and the visibility map, as autovacuum leaves them within a minute of the
# load (it vacuums a table once inserts pass a fifth of it): without the visibility map an
# index-only scan (an OFFSET walk) also reads the table's pages.
[[ $DB == postgres ]] && psql "$url" -qc "VACUUM ANALYZE"
# SQLite: the search indexer catches up with the seeded rows before anything is measured
# (until then searches are exact but slower, and the indexer competes for the CPU).
if [[ $DB == sqlite ]]; then
  index_start=$(date +%s.%N)
  python3 - "$work/bench.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
tables = ["users_trgm_pending", "user_emails_trgm_pending", "groups_trgm_pending"]
while sum(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables):
    time.sleep(0.2)
PY
  echo "search indexer caught up $(echo "$(date +%s.%N) - $index_start" | bc) s after seeding" >&2
  sleep 3
fi

export BENCH_TOKEN="$token" BENCH_DIR="$work" BENCH_LUA="$root/bench/lua" BENCH_USERS="$N"

# Runs one scenario; prints: | name | req/s | p50 | p99 | errors |. Arguments after the
# script: an optional C=n (connections for this scenario), then environment for the script.
scenario() {
  local name=$1 script=$2
  shift 2
  grep -qE "${ONLY:-.}" <<<"$name" || return 0
  local out conns=$CONNS
  if [[ ${1:-} == C=* ]]; then conns=${1#C=}; shift; fi
  local perf_pid=
  if [[ -n ${PERF:-} ]]; then
    mkdir -p "$root/target/perf"
    perf record -q -g -p "$pid" -o "$root/target/perf/${name//[^A-Za-z0-9]/_}.data" 2>/dev/null &
    perf_pid=$!
  fi
  out=$(env "$@" wrk -t"$THREADS" -c"$conns" -d"$DURATION" --latency -s "$root/bench/lua/$script" "http://127.0.0.1:$PORT")
  if [[ -n $perf_pid ]]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
  rates["$name"]=$rps
  # wrk leaves its last requests unanswered; let the server finish them (a GET of a large
  # group takes a second) before the next scenario starts measuring.
  sleep 3
}

declare -A rates  # scenario name -> req/s, for the ratios to the ceilings at the end
echo "| scenario ($DB, $N users) | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
scenario "GET /Users/{id}" get_user.lua
scenario "filter userName eq" filter.lua FILTER_KIND=username
scenario "filter emails.value eq" filter.lua FILTER_KIND=email
scenario "filter userName co" filter.lua FILTER_KIND=co
scenario "page of 100 users (random startIndex)" page.lua
scenario "page through all users (cursor, 100/page)" cursor.lua
scenario "GET group of $(( N < 10000 ? N : 10000 )) members" get_group.lua GROUP=mid
# Memory of serving the big group: the server's anonymous memory (RssAnon: heap and stacks)
# is sampled every 50 ms while 8 connections GET it for the scenario's duration; the row after
# it gives that peak against the value before. (Plain RSS also counts the pages of the
# database file SQLite's readers map — up to 256 MiB per connection, the same page-cache
# pages counted once per mapping — which is not memory the request takes; it is shown too.)
if grep -qE "${ONLY:-.}" <<<"GET group of $BIG members, 8 connections"; then
  anon() { awk '/RssAnon/ {print int($2 / 1024)}' "/proc/$pid/status"; }
  anon_before=$(anon)
  echo "$anon_before" >"$work/anon_peak"
  (
    peak=$anon_before
    while kill -0 "$pid" 2>/dev/null; do
      a=$(anon)
      if ((a > peak)); then peak=$a; echo "$peak" >"$work/anon_peak"; fi
      sleep 0.05
    done
  ) &
  sampler=$!
  echo 5 >"/proc/$pid/clear_refs"
  scenario "GET group of $BIG members, 8 connections" get_group.lua C=8 GROUP=big
  kill "$sampler" 2>/dev/null || true
  printf '| (peak anonymous memory during it: %s MiB; before it: %s MiB; peak RSS with the mapped file: %s MiB) | | | | |\n' \
    "$(cat "$work/anon_peak")" "$anon_before" "$(( $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") / 1024 ))"
fi
scenario "PATCH one member, $BIG-member group" patch_member.lua GROUP=big
scenario "PATCH one member, 10-member group" patch_member.lua GROUP=small
scenario "PATCH one member, $BIG-member group, 4 connections" patch_member.lua C=4 GROUP=big
scenario "PATCH one member, 10-member group, 4 connections" patch_member.lua C=4 GROUP=small
scenario "POST /Users" create_user.lua
scenario "token: client_credentials (${SCIMITAR_SIGNING_ALG:-RS256})" client_credentials.lua
scenario "token: refresh, user in 50 groups (${SCIMITAR_SIGNING_ALG:-RS256})" refresh.lua
scenario "token: refresh + scope roles, 50 groups × 20 roles of 100 (${SCIMITAR_SIGNING_ALG:-RS256})" refresh.lua REFRESH_FILE=refresh_roles.txt
scenario "token: refresh + scope roles, 50 groups × 20 distinct roles (${SCIMITAR_SIGNING_ALG:-RS256})" refresh.lua REFRESH_FILE=refresh_roles_distinct.txt
scenario "token: refresh + scope roles, 50 expiring memberships × 20 roles of 100 (${SCIMITAR_SIGNING_ALG:-RS256})" refresh.lua REFRESH_FILE=refresh_roles_expiring.txt
scenario "token: refresh + scope roles, 50 groups + 50 scheduled grants (${SCIMITAR_SIGNING_ALG:-RS256})" refresh.lua REFRESH_FILE=refresh_roles_scheduled.txt
scenario "console: group page, first 50 of $BIG members, 1 connection" console.lua C=1 PAGE=group_users
scenario "console: search-as-you-type users, 1 connection" console.lua C=1 PAGE=user_search
scenario "console: search-as-you-type groups, 1 connection" console.lua C=1 PAGE=group_search
scenario "GET /oauth2/jwks" jwks.lua
# RSS also counts the pages of the mapped database file once per reader connection that
# touched them (page cache, not the server's own memory); RssAnon is heap and stacks.
rss="$(( $(ps -o rss= -p "$pid") / 1024 )) MiB, peak: $(( $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") / 1024 )) MiB, anonymous (heap and stacks): $(awk '/RssAnon/ {print int($2 / 1024)}' "/proc/$pid/status") MiB"
# Last-accessed recording (on above, the default) against off: the same server restarted on the
# same database with SCIMITAR_RECORD_ACCESS=false; the refresh row uses token families of its own
# (the first row's were rotated). Runs later than the "on" rows: compare several runs.
if grep -qE "${ONLY:-.}" <<<"recording off: client_credentials refresh"; then
  kill $pid; wait $pid 2>/dev/null || true
  start_server SCIMITAR_RECORD_ACCESS=false
  scenario "token: client_credentials (${SCIMITAR_SIGNING_ALG:-RS256}), last-accessed recording off" client_credentials.lua
  scenario "token: refresh, user in 50 groups (${SCIMITAR_SIGNING_ALG:-RS256}), last-accessed recording off" refresh.lua REFRESH_FILE=refresh_off.txt
fi
echo "server RSS (recording on) at the end: $rss" >&2

# Ceilings measured in the same run, for the ratios in docs/PERFORMANCE.md: HTTP reads against
# the JWKS row above (an answer that touches no database); token issuance against this
# machine's signing rate (openssl speed, one core); writes against a raw SQLite insert loop on
# the same disk with the same durability setting (SQLite only).
if [[ -z ${ONLY:-} || ${CEILINGS:-} == 1 ]]; then
  echo
  echo "| ceiling (same machine, same run) | per second |"
  echo "|---|---|"
  declare -A ceilings
  ceilings[jwks]=${rates["GET /oauth2/jwks"]:-}
  while IFS=$'\t' read -r what rate; do
    ceilings[$what]=$rate
    printf '| %s signatures, openssl speed, 1 core | %s |\n' "$what" "$rate"
  done < <(openssl speed -seconds 2 -mr rsa2048 ecdsap256 ed25519 2>/dev/null | awk -F: '
    /^\+F2:/ { printf "RS256\t%.0f\n", $4 }
    /^\+F4:/ { printf "ES256\t%.0f\n", $4 }
    /^\+F6:/ { printf "EdDSA\t%.0f\n", $5 }')
  if [[ $DB == sqlite ]]; then
    sync=${SCIMITAR_SQLITE_SYNCHRONOUS:-full}
    while IFS=$'\t' read -r per commits rows; do
      ceilings[sqlite$per]=$rows
      printf '| raw SQLite insert loop, %s row(s) per transaction, synchronous=%s: rows | %s |\n' "$per" "$sync" "$rows"
    done < <(python3 "$root/bench/ceiling_sqlite.py" "$work" "$sync" 3)
  fi

  # Every row beside its ceiling: HTTP reads against JWKS (an answer that touches no
  # database), token issuance against the signing rate of its algorithm on one core (a
  # token costs one signature), writes against the raw insert loop at the group commit's
  # batching (64 rows per transaction; SQLite only).
  alg=${SCIMITAR_SIGNING_ALG:-RS256}
  echo
  echo "| scenario | req/s | ceiling | ceiling /s | share |"
  echo "|---|---|---|---|---|"
  for name in "${!rates[@]}"; do
    case "$name" in
      "GET /oauth2/jwks") continue ;;
      token:*) key=$alg; label="$alg signatures, 1 core" ;;
      "POST /Users"|PATCH*) key=sqlite64; label="raw SQLite inserts, 64 per transaction" ;;
      *) key=jwks; label="GET /oauth2/jwks" ;;
    esac
    ceiling=${ceilings[$key]:-}
    [[ -z $ceiling ]] && continue
    printf '| %s | %s | %s | %s | %s%% |\n' "$name" "${rates[$name]}" "$label" "$ceiling" \
      "$(echo "scale=1; 100 * ${rates[$name]} / $ceiling" | bc)"
  done | sort
fi
