#!/usr/bin/env bash
# THE test command (`npm test`): node tier, then browser tier (Chromium + WebGPU on SwiftShader).
# Ends with one line "tests: N passed, M failed"; exits non-zero if anything failed or nothing ran.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "test.sh: $CHROMIUM missing; installing Debian chromium"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "test.sh: not root and no sudo; install chromium yourself (apt-get install -y chromium)" >&2
      exit 1
    fi
  fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
fi

OUT="test-results"
mkdir -p "$OUT"
rm -f "$OUT/node.json" "$OUT/browser.json"

set +e
echo "=== node tier: vitest run (vitest.config.ts) ==="
npx vitest run --reporter=default --reporter=json --outputFile.json="$OUT/node.json"
node_rc=$?
echo "=== browser tier: vitest run -c vitest.browser.config.ts ==="
npx vitest run -c vitest.browser.config.ts --reporter=default --reporter=json --outputFile.json="$OUT/browser.json"
browser_rc=$?
set -e

node - "$OUT/node.json" "$node_rc" "$OUT/browser.json" "$browser_rc" <<'JS'
const fs = require('node:fs');
const args = process.argv.slice(2);
let passed = 0, failed = 0;
const notes = [];
for (let i = 0; i < args.length; i += 2) {
  const file = args[i], rc = Number(args[i + 1]);
  const tier = file.replace(/^.*\//, '').replace(/\.json$/, '');
  let r = null;
  try { r = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* vitest crashed before writing */ }
  if (!r) { failed += 1; notes.push(`${tier}: no JSON report (vitest exit ${rc})`); continue; }
  passed += r.numPassedTests ?? 0;
  let f = r.numFailedTests ?? 0;
  // Files that failed to load/collect have no failed test of their own.
  for (const t of r.testResults ?? []) {
    if (t.status === 'failed' && !(t.assertionResults ?? []).some((a) => a.status === 'failed')) {
      f += 1;
      notes.push(`${tier}: ${t.name.replace(process.cwd() + '/', '')} failed to run: ${String(t.message ?? '').split('\n')[0]}`);
    }
  }
  if (rc !== 0 && f === 0) { f = 1; notes.push(`${tier}: vitest exited ${rc} (unhandled error?)`); }
  failed += f;
}
for (const n of notes) console.log(`note: ${n}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
JS
