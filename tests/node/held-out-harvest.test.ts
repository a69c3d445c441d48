// A run with a held-out share ends on two partial windows (one per share), so a harvest resumed near its end must
// find the first uncommitted row without assuming only the last window is short. Interrupted after each row
// near the end (a shard per row), each resumed harvest stores exactly the rows of an uninterrupted one (with the
// old arithmetic some stored rows twice). Synthetic forward (rows are a function of token and position).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { isHeldOutDocument } from '../../src/corpus/held-out';
import { harvestRun } from '../../src/store/harvest';
import { createRun } from '../../src/store/runs';
import { type StoreDb, type WindowChunk, openStore } from '../../src/store/schema';
import { type TextPiece, tokenizeIntoRun } from '../../src/store/tokenize';

const HOOK = 'blocks.0.hook_resid_post';
const SPLIT = { share: 0.4, seed: 2 };

async function forward(ids: number[][]) {
  const T = ids[0].length;
  const data = new Float32Array(ids.length * T * 2);
  ids.forEach((row, b) => row.forEach((id, t) => data.set([id, t], (b * T + t) * 2)));
  return { [HOOK]: { shape: [ids.length, T, 2], data } };
}

const tokenizer = { encode: (s: string) => Array.from(s, (c) => c.charCodeAt(0)) };

async function* docs(n: number): AsyncGenerator<TextPiece> {
  for (let d = 0; d < n; d++) yield { file: 'a.txt', index: d, text: `d${d} ${'xyz'.repeat(1 + (d % 5))}`, final: true };
}

async function makeRun(db: StoreDb) {
  const run = await createRun(db, { name: 'split', modelId: 'synthetic', hooks: [{ name: HOOK, dim: 2 }], dtype: 'f32', contextLength: 12, skipBos: true, bosTokenId: 999, rowsPerShard: 1, windowsPerChunk: 3, heldOut: SPLIT });
  await tokenizeIntoRun(db, run, docs(14), tokenizer, { separatorTokenId: 998 });
  return run;
}

/** All stored rows as "window:position:token:values". */
async function rows(db: StoreDb, runId: string, shards: number): Promise<string[]> {
  const out: string[] = [];
  for (let s = 0; s < shards; s++) {
    const r = (await db.get('shardRows', [runId, s]))!;
    const d = (await db.get('shards', [runId, HOOK, s]))!.data as Float32Array;
    r.window.forEach((w, i) => out.push(`${w}:${r.position[i]}:${r.tokenId[i]}:${d[2 * i]},${d[2 * i + 1]}`));
  }
  return out;
}

describe('harvest of a run with a held-out share', () => {
  it('packs held-out documents in flagged windows of their own and ends on a partial window of each share', async () => {
    const db = await openStore('split-layout');
    const run = await makeRun(db);
    const lengths: number[] = [];
    for (let c = 0; c < run.windowChunks; c++) {
      const chunk = (await db.get('windows', [run.id, c])) as WindowChunk;
      let at = 0;
      chunk.lengths.forEach((len, w) => {
        const docs = Array.from(chunk.doc.subarray(at, at + len)).filter((x) => x >= 0);
        for (const doc of docs) expect(isHeldOutDocument(doc, SPLIT)).toBe(chunk.heldOut![w] === 1);
        lengths.push(len);
        at += len;
      });
    }
    expect(lengths.slice(0, -2).every((l) => l === 12)).toBe(true);
    // The case a resume must handle: both last windows partial, together longer than a full one, so a committed
    // count in the last window can read as a whole number of full windows past the second-to-last.
    const [a, b] = lengths.slice(-2);
    expect(a < 12 && b < 12 && a - 1 + (b - 1) > 11).toBe(true);
    expect(run.heldOutWindows).toBeGreaterThan(0);
  });

  it('resumed after a stop near its end, stores exactly the rows of an uninterrupted harvest', async () => {
    const whole = await openStore('split-whole');
    const ref = await harvestRun(whole, await makeRun(whole), forward, { batchSize: 1 });
    const want = await rows(whole, ref.id, ref.committedShards);
    expect(want.length).toBe(ref.totalRows);
    let paused = 0;
    // A few early stops, and every row of the last three windows (where the partial windows are).
    const stops = [1, 7, 23, ...Array.from({ length: 33 }, (_, i) => ref.committedShards - 33 + i)];
    for (const stopAfter of stops) {
      const db = await openStore(`split-stop-${stopAfter}`);
      const run = await makeRun(db);
      const control = new AbortController();
      await harvestRun(db, run, forward, { batchSize: 1, signal: control.signal, onShard: (r) => r.committedShards >= stopAfter && control.abort() });
      // Stopped, unless the shard that asked for it was committed by the last window (the rest is the final flush).
      if (run.status !== 'done') paused++;
      const done = await harvestRun(db, run, forward, { batchSize: 1 });
      expect(await rows(db, done.id, done.committedShards)).toEqual(want);
    }
    // A stop takes effect between windows: those asked for within the last window cannot stop it.
    expect(paused).toBeGreaterThanOrEqual(stops.length - 12);
  });
});
