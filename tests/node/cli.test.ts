// `npm run gpt2` as a script would call it: JSON with ids, logits_last and hooks, checked against the reference.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, TINY_DIR, readCheckpoint, reference } from '../helpers/checkpoints';
import { assertClose } from '../reference/compare';

const tsx = join(ROOT, 'node_modules/.bin/tsx');

describe('gpt2 CLI', () => {
  it('writes ids, logits_last and the requested hooks ([position, dim], row-major)', () => {
    const out = join(tmpdir(), `sse-cli-${process.pid}.json`);
    const hooks = 'blocks.0.hook_resid_post,blocks.3.mlp.hook_post';
    const stdout = execFileSync(tsx, ['src/cli/gpt2.ts', '--model', TINY_DIR, '--prompt', 'Call me Ishmael.', '--hooks', hooks, '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(stdout).toMatch(/→ .*next token: /);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    const ref = reference(readCheckpoint(TINY_DIR), json.ids);
    const T = json.ids.length;
    expect(json.ids).toEqual([34, 462, 457, 2188, 3953, 7894, 13]);
    assertClose('logits_last', json.logits_last, ref.logits.subarray((T - 1) * 8192), 1e-4);
    expect(json.hooks['blocks.3.mlp.hook_post'].shape).toEqual([T, 1024]);
    for (const h of hooks.split(',')) assertClose(h, json.hooks[h].data, ref.hooks[h], 1e-4);
  });

  it('exits non-zero with a clear message for a bad hook or a missing model', () => {
    const run = (args: string[]) => {
      try {
        execFileSync(tsx, ['src/cli/gpt2.ts', ...args], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (err) {
        return (err as { stderr: string }).stderr;
      }
    };
    expect(run(['--model', TINY_DIR, '--prompt', 'x', '--hooks', 'blocks.7.hook_resid_post'])).toMatch(/layers 0…3/);
    expect(run(['--model', '/nonexistent', '--prompt', 'x'])).toMatch(/missing config.json/);
  });
});
