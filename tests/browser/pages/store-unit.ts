// In-page scenarios for the store's shard/manifest logic on real IndexedDB, with a synthetic forward
// (each row's values are a function of its window and position) so they run in milliseconds.
import { harvestRun } from '../../../src/store/harvest';
import { RunReader } from '../../../src/store/reader';
import { createRun, deleteRun, getRun } from '../../../src/store/runs';
import { openStore } from '../../../src/store/schema';
import { tokenizeIntoRun, type TextPiece } from '../../../src/store/tokenize';

const DIM = 3;
const HOOK = 'blocks.0.hook_resid_post';

/** Row value k of token id at position t: exact in fp32 and fp16, unique per (id, t). */
const value = (id: number, t: number, k: number) => (id % 31) + t / 8 + k * 64;

async function fakeForward(ids: number[][]) {
  const T = ids[0].length;
  const data = new Float32Array(ids.length * T * DIM);
  ids.forEach((row, b) => row.forEach((id, t) => [0, 1, 2].forEach((k) => (data[(b * T + t) * DIM + k] = value(id, t, k)))));
  return { [HOOK]: { shape: [ids.length, T, DIM], data } };
}

/** A tokenizer stand-in: one token per character code (the store only needs encode). */
const charTokenizer = { encode: (s: string) => Array.from(s, (c) => c.charCodeAt(0) % 500) };

async function* docs(n: number): AsyncGenerator<TextPiece> {
  for (let d = 0; d < n; d++) yield { file: 'synthetic.txt', index: d, text: `document ${d}: ${'abcdefghij'.repeat(1 + (d % 4))}`, final: true };
}

async function makeRun(dtype: 'f32' | 'f16', rowsPerShard: number) {
  const db = await openStore();
  const run = await createRun(db, { name: 'unit', modelId: 'synthetic', hooks: [{ name: HOOK, dim: DIM }], dtype, contextLength: 16, skipBos: true, bosTokenId: 999, rowsPerShard, windowsPerChunk: 4 });
  await tokenizeIntoRun(db, run, docs(20), charTokenizer, { separatorTokenId: 998 });
  return { db, run };
}

async function check(db: Awaited<ReturnType<typeof openStore>>, runId: string) {
  const reader = await RunReader.open(db, runId);
  const run = reader.run;
  const seen = new Set<string>();
  let bad = 0;
  for (let s = 0; s < run.committedShards; s++) {
    const rows = (await db.get('shardRows', [run.id, s]))!;
    const data = await reader.shard(HOOK, s);
    rows.window.forEach((w, i) => {
      seen.add(`${w}:${rows.position[i]}`);
      for (let k = 0; k < DIM; k++) if (data[i * DIM + k] !== value(rows.tokenId[i], rows.position[i], k)) bad++;
    });
  }
  const orderA: number[] = [];
  const orderB: number[] = [];
  const orderC: number[] = [];
  for await (const b of reader.batches(HOOK, 7, { seed: 1 })) orderA.push(...b.rowIndex);
  for await (const b of reader.batches(HOOK, 7, { seed: 1 })) orderB.push(...b.rowIndex);
  for await (const b of reader.batches(HOOK, 7, { seed: 2 })) orderC.push(...b.rowIndex);
  const inOrder: number[] = [];
  const batchSizes: number[] = [];
  for await (const b of reader.batches(HOOK, 50)) {
    inOrder.push(...b.rowIndex);
    batchSizes.push(b.rowIndex.length);
  }
  const shardKeys = (await db.getAllKeys('shards')).filter((k) => k[0] === run.id).length;
  return { run, unique: seen.size, badValues: bad, shardKeys, orderA, orderB, orderC, inOrder, batchSizes };
}

/** Crash between writing shard k and committing the manifest, then resume. */
export async function crashBetweenShardAndManifest(dtype: 'f32' | 'f16') {
  const { db, run } = await makeRun(dtype, 37);
  const stop = new AbortController();
  await harvestRun(db, run, fakeForward, { batchSize: 2, onShard: (r) => r.committedShards === 3 && stop.abort(), signal: stop.signal });
  const paused = await getRun(db, run.id);
  // The "crash": shard 3's activations and rows land, the manifest still says 3 shards.
  const junk = new Float32Array(37 * DIM).fill(-1);
  await db.put('shards', { runId: run.id, hook: HOOK, index: paused.committedShards, rows: 37, data: dtype === 'f16' ? new Uint16Array(37 * DIM) : junk });
  await db.put('shardRows', { runId: run.id, index: paused.committedShards, window: new Uint32Array(37), position: new Uint16Array(37), tokenId: new Int32Array(37) });
  const resumed = await harvestRun(db, await getRun(db, run.id), fakeForward, { batchSize: 3 });
  const result = { pausedStatus: paused.status, pausedShards: paused.committedShards, status: resumed.status, ...(await check(db, run.id)) };
  await deleteRun(db, run.id);
  db.close();
  return result;
}
