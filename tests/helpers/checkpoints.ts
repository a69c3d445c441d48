// Test checkpoints: the embedded tiny model and a random GPT-2-small-shaped one (written once per machine
// into the OS temp folder; deterministic from its seed), read with the independent reference reader.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ReferenceResult, type SteerSpec, referenceForward } from '../reference/gpt2-reference';
import { GPT2_SMALL_SHAPE, type RandomGpt2Options, writeRandomGpt2 } from '../reference/random-gpt2';
import { readSafetensors } from '../reference/safetensors-ref';
import type { RefTensor } from '../reference/safetensors-ref';

export const ROOT = resolve(import.meta.dirname, '../..');
export const TINY_DIR = join(ROOT, 'public/models/tiny-gpt2');

export interface RefCheckpoint {
  dir: string;
  weights: Map<string, RefTensor>;
  config: { n_layer: number; n_embd: number; n_head: number; n_inner?: number | null; vocab_size: number; layer_norm_epsilon?: number };
}

export function readCheckpoint(dir: string): RefCheckpoint {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const weights = readSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
  return { dir, weights, config };
}

/** Writes (once) a random checkpoint with the tiny model's tokenizer beside it; returns its folder. */
export function randomCheckpoint(name: string, opts: RandomGpt2Options): string {
  const dir = join(tmpdir(), `sse-test-${name}-seed${opts.seed ?? 0}-${opts.dtype ?? 'F32'}${opts.prefix ? '-prefixed' : ''}`);
  if (!existsSync(join(dir, 'model.safetensors'))) {
    writeRandomGpt2(dir, opts);
    copyFileSync(join(TINY_DIR, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  }
  return dir;
}

/** GPT-2 small's exact shape (12 layers, 768, 50257 vocab, 1024 positions), random weights, stored F16 to halve the file. */
export function gpt2SmallCheckpoint(): string {
  return randomCheckpoint('gpt2-small', { ...GPT2_SMALL_SHAPE, dtype: 'F16', seed: 1 });
}

export function reference(ckpt: RefCheckpoint, ids: number[], steer?: SteerSpec): ReferenceResult {
  return referenceForward(ckpt.weights, ckpt.config, ids, { steer });
}

/** Deterministic token ids in [0, maxId). */
export function pseudoIds(n: number, maxId: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % maxId;
  });
}

export function pseudoVector(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  });
}

/** Row b of a [B, T, ...] tensor, as the [T, ...] slice the batch-1 reference returns. */
export function batchRow(data: Float32Array, batch: number, b: number): Float32Array {
  const per = data.length / batch;
  return data.subarray(b * per, (b + 1) * per);
}
