// Runs in the activation store: create, tokenize a corpus into windows, commit shards atomically,
// list and delete. A shard and the manifest line that counts it are written in one IndexedDB
// transaction, so a crash leaves either both or neither; shards past committedShards are never trusted.
import { type TlSettings, recordedTl } from '../core/tl-settings';
import { checkHeldOutSplit } from '../corpus/held-out';
import { LabError, StoreQuotaError, quotaMessage, withQuota } from '../core/errors';
import { type ActDtype, APP_VERSION, type RunManifest, type ShardData, type ShardRows, type StoreDb, type WindowChunk, runRange } from './schema';

export { StoreQuotaError };
export class RunNotFoundError extends LabError {}

export type NewRun = Pick<RunManifest, 'name' | 'modelId' | 'hooks' | 'dtype' | 'contextLength' | 'skipBos' | 'bosTokenId' | 'tl' | 'heldOut'> & {
  rowsPerShard?: number;
  windowsPerChunk?: number;
};

export function newRunId(): string {
  return `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function createRun(db: StoreDb, spec: NewRun): Promise<RunManifest> {
  const now = Date.now();
  const run: RunManifest = {
    ...spec,
    id: newRunId(),
    appVersion: APP_VERSION,
    createdAt: now,
    updatedAt: now,
    prependBos: true,
    files: [],
    rejections: [],
    documents: 0,
    windows: 0,
    windowChunks: 0,
    windowsPerChunk: spec.windowsPerChunk ?? 64,
    tokens: 0,
    totalRows: 0,
    rowsPerShard: spec.rowsPerShard ?? 4096,
    committedShards: 0,
    committedRows: 0,
    status: 'tokenizing',
    error: null,
    ...(spec.heldOut ? { heldOut: checkHeldOutSplit(spec.heldOut), heldOutWindows: 0, heldOutRows: 0 } : {}),
  };
  await db.put('runs', run);
  return run;
}

export async function getRun(db: StoreDb, runId: string): Promise<RunManifest> {
  const run = await db.get('runs', runId);
  if (!run) throw new RunNotFoundError(`run ${runId} is not in this browser's store (deleted, or stored in another browser profile)`);
  return run;
}

export async function saveManifest(db: StoreDb, run: RunManifest): Promise<void> {
  run.updatedAt = Date.now();
  await withQuota(
    () => db.put('runs', run),
    () => quotaMessage(`the record of run ${run.name}`, `Its committed shards (${run.committedRows.toLocaleString('en-US')} rows) are kept`, 'resume the run'),
  );
}

export async function listRuns(db: StoreDb): Promise<RunManifest[]> {
  return (await db.getAll('runs')).sort((a, b) => b.createdAt - a.createdAt);
}

export async function putWindowChunk(db: StoreDb, chunk: WindowChunk): Promise<void> {
  await withQuota(
    () => db.put('windows', chunk),
    () => quotaMessage(`the tokenized corpus (window chunk ${chunk.index + 1})`, 'No run was made', 'start the harvest again'),
  );
}

export function bytesPerValue(dtype: ActDtype): number {
  return dtype === 'f16' ? 2 : 4;
}

/** Rows stored per window: all positions, or all but the BOS. */
export function rowsOfWindow(run: Pick<RunManifest, 'skipBos'>, length: number): number {
  return run.skipBos ? length - 1 : length;
}

/** Bytes the finished run occupies (activations + row index + windows), an estimate good to a few %. */
export function estimateRunBytes(run: RunManifest, rows = run.totalRows): number {
  const perRow = run.hooks.reduce((a, h) => a + h.dim, 0) * bytesPerValue(run.dtype) + 4 + 2 + 4;
  return rows * perRow + run.tokens * 12;
}

export function committedBytes(run: RunManifest): number {
  return estimateRunBytes(run, run.committedRows);
}

/**
 * Commits shard `index` — every hook's rows plus the row index — and advances the manifest, in one
 * transaction. Rewriting an index overwrites (same keys), so a retried commit never duplicates a shard.
 */
export async function commitShard(db: StoreDb, run: RunManifest, shards: ShardData[], rows: ShardRows): Promise<void> {
  if (rows.index !== run.committedShards) throw new Error(`shard ${rows.index} committed out of order (expected ${run.committedShards})`);
  const next: RunManifest = {
    ...run,
    committedShards: run.committedShards + 1,
    committedRows: run.committedRows + rows.window.length,
    updatedAt: Date.now(),
  };
  await withQuota(
    async () => {
      const tx = db.transaction(['shards', 'shardRows', 'runs'], 'readwrite');
      await Promise.all([...shards.map((s) => tx.objectStore('shards').put(s)), tx.objectStore('shardRows').put(rows), tx.objectStore('runs').put(next), tx.done]);
    },
    () =>
      quotaMessage(
        `shard ${rows.index + 1} of run ${run.name} (${rows.window.length.toLocaleString('en-US')} rows)`,
        `Committed shards are kept: ${run.committedShards} shards, ${run.committedRows.toLocaleString('en-US')} of ${run.totalRows.toLocaleString('en-US')} rows`,
        'resume the run',
      ),
  );
  Object.assign(run, next);
}

/** Deletes a run and everything it stored, in one transaction (the browser frees the space). */
export async function deleteRun(db: StoreDb, runId: string): Promise<void> {
  const tx = db.transaction(['runs', 'windows', 'documents', 'shards', 'shardRows'], 'readwrite');
  await Promise.all([
    tx.objectStore('runs').delete(runId),
    tx.objectStore('windows').delete(runRange(runId)),
    tx.objectStore('documents').delete(runRange(runId)),
    tx.objectStore('shards').delete(runRange(runId)),
    tx.objectStore('shardRows').delete(runRange(runId)),
    tx.done,
  ]);
}

/** Drops shards written past the committed count (a crash between shard write and manifest). */
export async function dropUncommitted(db: StoreDb, run: RunManifest): Promise<number> {
  const tx = db.transaction(['shards', 'shardRows'], 'readwrite');
  let dropped = 0;
  for (const h of run.hooks) {
    const range = IDBKeyRange.bound([run.id, h.name, run.committedShards], [run.id, h.name, Infinity]);
    dropped += await tx.objectStore('shards').count(range);
    await tx.objectStore('shards').delete(range);
  }
  await tx.objectStore('shardRows').delete(IDBKeyRange.bound([run.id, run.committedShards], [run.id, Infinity]));
  await tx.done;
  return dropped;
}

/** Checks the browser's quota against the bytes a run needs; asks for persistent storage. */
export async function checkStorage(neededBytes: number): Promise<{ ok: boolean; available: number | null; persisted: boolean; message: string | null }> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.estimate) return { ok: true, available: null, persisted: false, message: null };
  const persisted = (await storage.persist?.().catch(() => false)) ?? false;
  const { quota = 0, usage = 0 } = await storage.estimate();
  const available = quota - usage;
  const ok = neededBytes <= available;
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return {
    ok,
    available,
    persisted,
    message: ok ? null : `this run needs about ${mb(neededBytes)} but the browser allows only ${mb(available)} more for this site`,
  };
}

/** The TransformerLens settings a run's activations follow (runs from before they were recorded: HF_RAW). */
export function runTl(run: Pick<RunManifest, 'tl'>): TlSettings {
  return recordedTl(run.tl);
}
