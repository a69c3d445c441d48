// A stream training's sample kept as an ordinary run: every n-th training window of the stream (full-length
// windows only) with its activations, for dashboards and evals. Each shard holds exactly one window chunk
// (windowsPerChunk windows × (L − 1) rows), written window chunk first and then the shard with the manifest (one
// transaction, src/store/runs.ts commitShard), so the run is always a valid run of its committed shards.
//
// A resumed stream rolls the sample back to the shards its checkpoint counted and samples again from the
// checkpoint's block on: windows sampled after the last full shard before the checkpoint are not in the sample
// (fewer than one shard's worth per resume). The sample is not training data, so nothing else depends on it.
import type { HookOutputs } from './harvest';
import { commitShard, createRun, getRun, putWindowChunk, saveManifest, type NewRun } from './runs';
import type { CorpusFileInfo, RunManifest, ShardData, ShardRows, StoreDb, WindowChunk } from './schema';
import type { TrainWindow } from '../stream/corpus-windows';

export interface SampleState {
  runId: string;
  /** Shards committed at the checkpoint, and the stream window index sampling continues from. */
  shards: number;
  from: number;
}

interface Pending {
  window: TrainWindow;
  rows: Map<string, Float32Array>; // hook → [L − 1, dim]
}

export class SampleRunWriter {
  private buf: Pending[] = [];
  /** The stream window after the last one in a committed shard. */
  private frontier: number;

  private constructor(
    private readonly db: StoreDb,
    readonly run: RunManifest,
    private readonly every: number,
    private from: number,
  ) {
    this.frontier = from;
  }

  /** A new sample run; rowsPerShard is set so a shard is one window chunk. */
  static async create(db: StoreDb, spec: Omit<NewRun, 'rowsPerShard' | 'windowsPerChunk' | 'skipBos'>, files: CorpusFileInfo[], every: number): Promise<SampleRunWriter> {
    const windowsPerChunk = 64;
    const run = await createRun(db, { ...spec, skipBos: true, windowsPerChunk, rowsPerShard: windowsPerChunk * (spec.contextLength - 1) });
    run.files = files;
    run.status = 'harvesting';
    await saveManifest(db, run);
    return new SampleRunWriter(db, run, every, 0);
  }

  /** The sample of a resumed stream, cut back to the shards its checkpoint counted. */
  static async reopen(db: StoreDb, s: SampleState, every: number, resumeWindow: number): Promise<SampleRunWriter> {
    const run = await getRun(db, s.runId);
    const tx = db.transaction(['shards', 'shardRows', 'windows'], 'readwrite');
    const drops: Promise<unknown>[] = [];
    for (let i = s.shards; i < run.committedShards + 1; i++) {
      for (const h of run.hooks) drops.push(tx.objectStore('shards').delete([run.id, h.name, i]));
      drops.push(tx.objectStore('shardRows').delete([run.id, i]), tx.objectStore('windows').delete([run.id, i]));
    }
    await Promise.all([...drops, tx.done]);
    Object.assign(run, {
      committedShards: s.shards,
      committedRows: s.shards * run.rowsPerShard,
      windowChunks: s.shards,
      windows: s.shards * run.windowsPerChunk,
      tokens: s.shards * run.windowsPerChunk * run.contextLength,
      totalRows: s.shards * run.rowsPerShard,
      status: 'harvesting',
    });
    await saveManifest(db, run);
    return new SampleRunWriter(db, run, every, Math.max(s.from, resumeWindow));
  }

  /** Where the sample stands, for a checkpoint. */
  state(): SampleState {
    return { runId: this.run.id, shards: this.run.committedShards, from: this.frontier };
  }

  /** Takes the sampled windows of one forward (its outputs [B, T, dim] per hook). */
  async add(windows: TrainWindow[], out: HookOutputs): Promise<void> {
    const L = this.run.contextLength;
    for (let b = 0; b < windows.length; b++) {
      const w = windows[b];
      if (w.index < this.from || w.index % this.every !== 0 || w.window.ids.length !== L) continue;
      this.from = w.index + 1; // a block forwarded again after a resume is not sampled twice
      const rows = new Map(this.run.hooks.map((h) => [h.name, out[h.name].data.slice((b * L + 1) * h.dim, (b + 1) * L * h.dim)]));
      this.buf.push({ window: w, rows });
      if (this.buf.length === this.run.windowsPerChunk) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const run = this.run;
    const L = run.contextLength;
    const index = run.committedShards;
    const ws = this.buf.map((p) => p.window.window);
    const chunk: WindowChunk = { runId: run.id, index, lengths: ws.map((w) => w.ids.length), ids: Int32Array.from(ws.flatMap((w) => w.ids)), doc: Int32Array.from(ws.flatMap((w) => w.doc)), offset: Int32Array.from(ws.flatMap((w) => w.offset)) };
    const n = this.buf.length * (L - 1);
    const shards: ShardData[] = run.hooks.map((h) => {
      const data = new Float32Array(n * h.dim);
      this.buf.forEach((p, i) => data.set(p.rows.get(h.name)!, i * (L - 1) * h.dim));
      return { runId: run.id, hook: h.name, index, rows: n, data };
    });
    const rows: ShardRows = { runId: run.id, index, window: new Uint32Array(n), position: new Uint16Array(n), tokenId: new Int32Array(n) };
    this.buf.forEach((p, i) => {
      for (let t = 1; t < L; t++) {
        const r = i * (L - 1) + t - 1;
        rows.window[r] = index * run.windowsPerChunk + i;
        rows.position[r] = t;
        rows.tokenId[r] = p.window.window.ids[t];
      }
    });
    await putWindowChunk(this.db, chunk);
    run.windows += ws.length;
    run.windowChunks++;
    run.tokens += ws.length * L;
    run.totalRows += n;
    await commitShard(this.db, run, shards, rows);
    this.frontier = this.buf.at(-1)!.window.index + 1;
    this.buf = [];
  }

  /** Ends the sample: with `complete`, the last partial shard is written too; either way the run is done. */
  async finish(complete: boolean): Promise<RunManifest> {
    if (complete) await this.flush();
    this.run.totalRows = this.run.committedRows;
    this.run.status = 'done';
    await saveManifest(this.db, this.run);
    return this.run;
  }
}
