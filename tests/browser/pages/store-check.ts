// In-page reader of the activation store for tests: everything a run holds, straight from IndexedDB.
import { RunReader, readWindows } from '../../../src/store/reader';
import { listRuns } from '../../../src/store/runs';
import { openStore } from '../../../src/store/schema';
import { toBase64 } from './base64';

export async function runs() {
  const db = await openStore();
  const all = await listRuns(db);
  db.close();
  return all;
}

/** The run's manifest, its windows, and per hook every committed row with (window, position). */
export async function dumpRun(runId: string) {
  const db = await openStore();
  const reader = await RunReader.open(db, runId);
  const run = reader.run;
  const windows: number[][] = [];
  for await (const w of readWindows(db, run)) windows.push(w.ids);
  const window: number[] = [];
  const position: number[] = [];
  const tokenId: number[] = [];
  for (let s = 0; s < run.committedShards; s++) {
    const r = (await db.get('shardRows', [run.id, s]))!;
    window.push(...r.window);
    position.push(...r.position);
    tokenId.push(...r.tokenId);
  }
  const hooks: Record<string, string> = {};
  for (const h of run.hooks) {
    const parts: Float32Array[] = [];
    for (let s = 0; s < run.committedShards; s++) parts.push(await reader.shard(h.name, s));
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    hooks[h.name] = toBase64(all);
  }
  const shardKeys = (await db.getAllKeys('shards')).filter((k) => k[0] === run.id).length;
  const ctx = run.committedRows > 0 ? await reader.context(run.committedRows - 1) : null;
  // Shuffled reading: every row exactly once, in batches.
  const seen: number[] = [];
  for await (const b of reader.batches(run.hooks[0].name, 100, { seed: 7, mixShards: 2 })) seen.push(...b.rowIndex);
  db.close();
  return { run, windows, window, position, tokenId, hooks, shardKeys, lastContext: ctx, shuffledRowIndex: seen };
}

/** Records in every activation-store table (runs, windows, documents, shards, shard rows). */
export async function recordCount(): Promise<number> {
  const db = await openStore();
  let n = 0;
  for (const store of ['runs', 'windows', 'documents', 'shards', 'shardRows'] as const) n += await db.count(store);
  db.close();
  return n;
}

/** The checkpointed trainings as stored: their step and whether they finished. */
export async function trainings(): Promise<{ id: string; step: number; done: boolean; trainedMs?: number }[]> {
  const db = await openStore();
  const all = await db.getAll('saeTrainings');
  db.close();
  return all.map((t) => ({ id: t.id, step: t.step, done: t.done, trainedMs: t.trainedMs }));
}

/**
 * The feature statistics stored for an SAE, as SHA-256 digests of each array's bytes (equal digests: the same numbers
 * bit for bit) with when they were saved; null when none are stored.
 */
export async function featureStatsDigest(saeId: string): Promise<{ createdAt: number; rows: number; digests: Record<string, string> } | null> {
  const db = await openStore();
  const rec = await db.get('featureStats', saeId);
  db.close();
  if (!rec) return null;
  const s = rec.stats as import('../../../src/analysis/feature-pass').FeatureStats;
  const arrays: Record<string, ArrayBufferView> = {
    count: s.count,
    maxAct: s.maxAct,
    sumAct: s.sumAct,
    topRows: s.top.rows,
    topActs: s.top.acts,
    hist: s.hist,
    bandCount: s.bandCount,
    bandRows: s.bands.rows,
    bandActs: s.bands.acts,
    topTokens: rec.topTokens,
  };
  const digests: Record<string, string> = {};
  for (const [k, a] of Object.entries(arrays)) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
    digests[k] = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  return { createdAt: rec.createdAt, rows: s.rows, digests };
}

/** The SAEs stored, by id and name. */
export async function saes(): Promise<{ id: string; name: string }[]> {
  const db = await openStore();
  const all = await db.getAll('saes');
  db.close();
  return all.map((s) => ({ id: s.id, name: s.name })).sort((a, b) => a.id.localeCompare(b.id));
}
