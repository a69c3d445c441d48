// Harvest: run the model over a run's windows and commit activations shard by shard. Resumable: rows
// are numbered deterministically (window order × stored positions), so a restart recomputes from the
// first uncommitted row and never writes a shard twice.
import { floatToHalf } from '../core/f16';
import { commitShard, dropUncommitted, rowsOfWindow, saveManifest } from './runs';
import { type StoredWindow, readWindows } from './reader';
import type { RunManifest, ShardData, ShardRows, StoreDb } from './schema';

export type HookOutputs = Record<string, { shape: number[]; data: Float32Array }>; // each [B, T, dim]
export type ForwardFn = (ids: number[][]) => Promise<HookOutputs>;

export interface HarvestProgress {
  rowsDone: number; //   committed + in the current shard buffer
  committedRows: number; // stored for good (what the runs table counts)
  totalRows: number;
  committedShards: number;
  tokensPerSecond: number;
  etaSeconds: number | null;
}

export interface HarvestOptions {
  batchSize?: number; // windows per forward pass (default 8)
  signal?: AbortSignal; // abort = pause: stops after the current batch; committed shards stay
  onProgress?: (p: HarvestProgress) => void;
  onShard?: (run: RunManifest) => void;
}

/** Accumulates rows for every hook until a shard is full. */
class ShardBuffer {
  rows = 0;
  private data: Map<string, Float32Array>;
  private window: Uint32Array;
  private position: Uint16Array;
  private tokenId: Int32Array;

  constructor(private readonly run: RunManifest) {
    const n = run.rowsPerShard;
    this.data = new Map(run.hooks.map((h) => [h.name, new Float32Array(n * h.dim)]));
    this.window = new Uint32Array(n);
    this.position = new Uint16Array(n);
    this.tokenId = new Int32Array(n);
  }

  get full(): boolean {
    return this.rows === this.run.rowsPerShard;
  }

  /** Copies row (b, t) of every hook output. */
  add(out: HookOutputs, b: number, t: number, T: number, window: number, tokenId: number): void {
    for (const h of this.run.hooks) {
      const src = out[h.name].data; // [B, T, dim]
      const at = (b * T + t) * h.dim;
      this.data.get(h.name)!.set(src.subarray(at, at + h.dim), this.rows * h.dim);
    }
    this.window[this.rows] = window;
    this.position[this.rows] = t;
    this.tokenId[this.rows] = tokenId;
    this.rows++;
  }

  take(index: number): { shards: ShardData[]; rows: ShardRows } {
    const n = this.rows;
    const shards = this.run.hooks.map((h) => {
      const values = this.data.get(h.name)!.slice(0, n * h.dim);
      return { runId: this.run.id, hook: h.name, index, rows: n, data: this.run.dtype === 'f16' ? floatToHalf(values) : values };
    });
    const rows = { runId: this.run.id, index, window: this.window.slice(0, n), position: this.position.slice(0, n), tokenId: this.tokenId.slice(0, n) };
    this.rows = 0;
    return { shards, rows };
  }
}

/** Runs (or resumes) the harvest; resolves when the run is done or the signal stops it. */
export async function harvestRun(db: StoreDb, run: RunManifest, forward: ForwardFn, opts: HarvestOptions = {}): Promise<RunManifest> {
  const batchSize = opts.batchSize ?? 8;
  await dropUncommitted(db, run);
  run.status = 'harvesting';
  run.error = null;
  await saveManifest(db, run);

  // Every window but the last two is full length (a run with a held-out share ends on a partial window of each
  // share), so the first uncommitted row's window is arithmetic: start no later than the second-to-last window,
  // whose first row is still a multiple of a full window's rows, and skip what is committed.
  const perWindow = rowsOfWindow(run, run.contextLength);
  const firstWindow = Math.min(Math.floor(run.committedRows / perWindow), Math.max(0, run.windows - 2));
  let rowCursor = firstWindow * perWindow; // global row number of the next row produced
  const buffer = new ShardBuffer(run);
  const started = performance.now();
  const startRows = run.committedRows;

  const flush = async () => {
    const { shards, rows } = buffer.take(run.committedShards);
    await commitShard(db, run, shards, rows);
    opts.onShard?.(run);
  };

  let batch: StoredWindow[] = [];
  const report = () => {
    const done = run.committedRows + buffer.rows;
    const secs = (performance.now() - started) / 1000;
    const rate = secs > 0 ? (done - startRows) / secs : 0;
    opts.onProgress?.({
      rowsDone: done,
      committedRows: run.committedRows,
      totalRows: run.totalRows,
      committedShards: run.committedShards,
      tokensPerSecond: rate,
      etaSeconds: rate > 0 ? (run.totalRows - done) / rate : null,
    });
  };

  for await (const w of readWindows(db, run, firstWindow)) {
    // A batch holds windows of one length: only the corpus' final windows (one per share) can be shorter.
    if (batch.length > 0 && (batch.length === batchSize || batch[0].ids.length !== w.ids.length)) {
      if (opts.signal?.aborted) return pause(db, run);
      await runBatch(batch);
      batch = [];
    }
    batch.push(w);
  }
  if (batch.length > 0) {
    if (opts.signal?.aborted) return pause(db, run);
    await runBatch(batch);
  }
  if (buffer.rows > 0) await flush();
  run.status = 'done';
  await saveManifest(db, run);
  report();
  return run;

  /** Forward one batch and buffer its rows; a shard can fill (and commit) in the middle of a batch. */
  async function runBatch(b: StoredWindow[]): Promise<void> {
    const out = await forward(b.map((w) => w.ids));
    const T = b[0].ids.length;
    for (let i = 0; i < b.length; i++) {
      for (let t = run.skipBos ? 1 : 0; t < T; t++, rowCursor++) {
        if (rowCursor < startRows) continue; // committed before a restart
        buffer.add(out, i, t, T, b[i].global, b[i].ids[t]);
        if (buffer.full) await flush();
      }
    }
    report();
  }
}

async function pause(db: StoreDb, run: RunManifest): Promise<RunManifest> {
  run.status = 'paused';
  await saveManifest(db, run);
  return run;
}
