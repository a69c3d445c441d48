// `npm run gpt2` as a script would call it: JSON with ids, logits_last and hooks, checked against the reference.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, TINY_DIR, readCheckpoint, reference } from '../helpers/checkpoints';
import { assertClose } from '../reference/compare';
import { tlReference } from '../reference/tl-reference';
import { visibleText } from '../../src/model/token-text';

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

  it("--tl-kwargs: TransformerLens' processing (absent keys: SAELens' defaults) and TransformerLens' shapes", () => {
    const out = join(tmpdir(), `sse-cli-tl-${process.pid}.json`);
    const hooks = ['blocks.1.attn.hook_z', 'blocks.1.attn.hook_attn_scores', 'blocks.2.hook_resid_post', 'blocks.0.ln2.hook_scale'];
    const args = ['src/cli/gpt2.ts', '--model', TINY_DIR, '--prompt', 'Call me Ishmael.', '--hooks', hooks.join(','), '--tl-kwargs', '{"center_writing_weights": true}', '--out', out];
    execFileSync(tsx, args, { cwd: ROOT, encoding: 'utf8' });
    const json = JSON.parse(readFileSync(out, 'utf8'));
    const tl = { fold_ln: true, center_writing_weights: true, center_unembed: true, fold_value_biases: true };
    expect(json.tl).toEqual(tl);
    const ckpt = readCheckpoint(TINY_DIR);
    const ref = tlReference(ckpt.config, ckpt.weights, json.ids, tl);
    const T = json.ids.length;
    expect(json.hooks['blocks.1.attn.hook_z'].shape).toEqual([T, 4, 64]);
    expect(json.hooks['blocks.1.attn.hook_attn_scores'].shape).toEqual([4, T, T]);
    expect(json.hooks['blocks.0.ln2.hook_scale'].shape).toEqual([T, 1]);
    for (const h of hooks) {
      const got: (number | null)[] = json.hooks[h].data;
      const want = ref.hooks[h].data;
      // JSON has no −∞: the causal mask's entries come back as null.
      expect(got.map((x) => x === null)).toEqual([...want].map((x) => x === -Infinity));
      const keep = [...want.keys()].filter((i) => want[i] !== -Infinity);
      assertClose(h, keep.map((i) => got[i]!), keep.map((i) => want[i]), 1e-4);
    }
    assertClose('logits_last', json.logits_last, ref.logits.subarray((T - 1) * 8192), 1e-4);
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
    expect(run(['--model', TINY_DIR, '--prompt', 'x', '--tl-kwargs', '{"fold_ln": "yes"}'])).toMatch(/fold_ln must be true or false/);
    expect(run(['--model', TINY_DIR, '--prompt', 'x', '--tl-kwargs', '{"center_weights": true}'])).toMatch(/model_from_pretrained_kwargs has "center_weights"/);
    expect(run(['--model', TINY_DIR, '--prompt', 'x', '--tl-kwargs', 'fold_ln'])).toMatch(/must be a JSON object/);
  });

  it('prints tokens as the lab shows them: split characters whole, lone bytes as \\xNN, controls and bidi controls as marks', () => {
    const run = (args: string[]) => {
      const out = join(tmpdir(), `sse-cli-tok-${process.pid}.json`);
      const stdout = execFileSync(tsx, ['src/cli/gpt2.ts', '--model', TINY_DIR, ...args, '--out', out], { cwd: ROOT, encoding: 'utf8' });
      return { stdout, json: JSON.parse(readFileSync(out, 'utf8')) as { ids: number[]; tokens: string[]; token_bytes: number[][] } };
    };
    const prompt = 'say \u202Eevil\u202C \u200B now 😀 café\x1b[31m';
    const { stdout, json } = run(['--prompt', prompt]);
    // Nothing that acts on a terminal or on the text around it reaches stdout or the JSON's tokens.
    // eslint-disable-next-line no-control-regex
    const live = /[\u202A-\u202E\u2066-\u2069\u200B\x00-\x09\x0B-\x1F\uFFFD]/u;
    expect(stdout).not.toMatch(live);
    for (const t of json.tokens) expect(t).not.toMatch(live);
    // The tokens read as the text, with the token-text marks: visibleText of the prompt.
    expect(json.tokens.join('')).toBe(visibleText(prompt));
    expect(json.tokens.join('')).toBe('say \\u202Eevil\\u202C \\u200B now 😀 café␛[31m');
    // The emoji is split over byte tokens: the token that ends it shows it, the others show nothing of their own.
    const emoji = json.tokens.findIndex((t) => t.includes('😀'));
    expect(json.token_bytes.slice(0, emoji + 1).flat().slice(-4)).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect(json.tokens[emoji]).toMatch(/^ ?😀$/);
    expect(stdout).toMatch(/tokens: “s” “ay” “ ” “” “\\u202E” “ev” “il”/);
    // A byte token alone forms no character: shown as its bytes.
    const firstOfEmoji = json.ids.findIndex((_, i) => json.token_bytes[i].includes(0xf0));
    expect(json.token_bytes[firstOfEmoji].length).toBeLessThan(4 + (json.token_bytes[firstOfEmoji][0] === 0x20 ? 1 : 0));
    const alone = run(['--ids', String(json.ids[firstOfEmoji])]).json;
    const hexOf = (b: number[]) => b.map((x) => (x < 0x80 ? String.fromCharCode(x) : `\\x${x.toString(16).toUpperCase()}`)).join('');
    expect(alone.tokens).toEqual([hexOf(json.token_bytes[firstOfEmoji])]);
    expect(alone.tokens[0]).toMatch(/\\xF0/);
  });
});

