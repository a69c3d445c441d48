// The generated wasm modules (src/**/wasm/*-wasm.ts) are what scripts/build-wasm.mjs assembles from the .wat
// sources beside them, so an edited kernel cannot ship with stale bytes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('wasm kernels', () => {
  it('every *-wasm.ts module matches its .wat source (npm run build:wasm)', () => {
    const r = spawnSync(process.execPath, [join(__dirname, '../../scripts/build-wasm.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
