// The stream's mixing buffer. Rows of neighbouring tokens are alike, so the trainer must not see them in stream
// order. Rows are taken a block at a time (blockSteps batches), the block is permuted from (seed, block number), and
// its batches go to the trainer in turn. Unlike a swap pool (SAELens' mixing buffer, ../sae/train/gpu-shuffle.ts),
// which always holds rows not yet trained, a block is used up before the next is read: the only state is the step
// number, so a checkpoint at any step resumes exactly (re-forward the block's windows, permute it again, skip the
// batches already trained) with no row trained twice and none skipped.
import { mulberry32 } from '../core/random';
import type { RowSource, StreamRows } from './row-source';

/** One training step's rows for every hook. */
export interface StreamBatch {
  step: number;
  x: Map<string, Float32Array>; // hook → [B, dim]
  window: Uint32Array; //         [B] provenance: training window index
  position: Uint16Array; //       [B] and position in it
}

export interface MixOptions {
  batchSize: number; // B
  blockSteps: number; // M: a block is M·B rows
  seed: number;
  fromStep: number; // the first step to produce (a resumed training's checkpoint step)
  /** Each block's rows as read, in stream order, before its permutation. */
  onBlock?(rows: StreamRows, block: number): void;
}

/** The rows a stream skips to resume at `fromStep`: the start of that step's block. */
export function blockStartRow(o: Pick<MixOptions, 'batchSize' | 'blockSteps' | 'fromStep'>): number {
  return Math.floor(o.fromStep / o.blockSteps) * o.blockSteps * o.batchSize;
}

/** A seeded permutation of [0, n) for block `block`: Fisher–Yates over mulberry32. */
export function blockPermutation(n: number, seed: number, block: number): Uint32Array {
  const rand = mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(block + 1, 0x85ebca6b)) >>> 0);
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

function gather(block: StreamRows, perm: Uint32Array, from: number, B: number, dims: Map<string, number>): Omit<StreamBatch, 'step'> {
  const x = new Map<string, Float32Array>();
  for (const [hook, src] of block.rows) {
    const d = dims.get(hook)!;
    const out = new Float32Array(B * d);
    for (let i = 0; i < B; i++) {
      const r = perm[from + i];
      out.set(src.subarray(r * d, (r + 1) * d), i * d);
    }
    x.set(hook, out);
  }
  const window = new Uint32Array(B);
  const position = new Uint16Array(B);
  for (let i = 0; i < B; i++) {
    window[i] = block.window[perm[from + i]];
    position[i] = block.position[perm[from + i]];
  }
  return { x, window, position };
}

/** Mixed batches from step `fromStep` on, endlessly (`source` must have skipped blockStartRow(o) rows). */
export async function* mixedBatches(source: RowSource, o: MixOptions): AsyncGenerator<StreamBatch> {
  const B = o.batchSize;
  const M = o.blockSteps;
  const dims = new Map(source.hooks.map((h) => [h.name, h.dim]));
  for (let block = Math.floor(o.fromStep / M); ; block++) {
    const rows = await source.take(M * B);
    o.onBlock?.(rows, block);
    const perm = blockPermutation(M * B, o.seed, block);
    for (let j = block * M < o.fromStep ? o.fromStep - block * M : 0; j < M; j++) yield { step: block * M + j, ...gather(rows, perm, j * B, B, dims) };
  }
}
