// A GPT-2-small-shaped random checkpoint that also has GPT-2's real tokenizer, so tests see GPT-2's ids,
// BOS (50256) and token strings rather than the tiny model's 8192-token vocabulary.
import { copyFileSync, existsSync, linkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpt2SmallCheckpoint } from './checkpoints';
import { writeGpt2TokenizerJson } from './gpt2-tokenizer';

/**
 * Folder with config.json + model.safetensors of gpt2SmallCheckpoint() (random weights, F16, seed 1, written by
 * tests/reference/random-gpt2.ts) and GPT-2's tokenizer.json. Written once per machine. The weights are hard-linked
 * rather than regenerated: same numbers as the existing gpt2-small tests (so their reference outputs carry over),
 * and no second ~250 MB file.
 */
export function gpt2SmallDir(): string {
  const dir = join(tmpdir(), 'sse-test-gpt2-small-gpt2tok-seed1-F16');
  // tokenizer.json is written last (atomically), so its presence means the folder is complete.
  if (existsSync(join(dir, 'tokenizer.json'))) return dir;
  const src = gpt2SmallCheckpoint();
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) {
    const to = join(dir, f);
    if (existsSync(to)) continue;
    try {
      linkSync(join(src, f), to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // a parallel worker linked it first
      copyFileSync(join(src, f), to); // e.g. a temp folder that does not allow hard links
    }
  }
  writeGpt2TokenizerJson(dir);
  return dir;
}
