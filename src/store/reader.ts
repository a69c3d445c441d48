// Reading a run for the next stages (SAE training, dashboards): rows of one hook in shard order or
// shuffled (seeded), in batches, holding only a few shards in memory; and the context of any row. A run with a
// held-out share (src/corpus/held-out.ts) keeps its held-out windows' rows in the same shards: training reads
// `batches(…, 'training')`, which never yields one of them, and the held-out evaluations read only them.
import { halfToFloat } from '../core/f16';
import { mulberry32 } from '../core/random';
import { getRun, rowsOfWindow } from './runs';
import type { RunManifest, ShardData, ShardRows, StoreDb, WindowChunk } from './schema';

export interface RowBatch {
  rows: Float32Array; //   [n, dim]
  rowIndex: Uint32Array; // [n] global row numbers
  dim: number;
}

export interface RowContext {
  row: number;
  window: number;
  position: number; //   of the row's token within the window
  ids: number[]; //      the whole window
  doc: number; //        document of the row's token (−1 for BOS)
  offset: number; //     its token offset in the document
  file: string | null;
  fileRow: number | null; // row within a jsonl/csv file
}

export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(a: T, rand: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

export interface StoredWindow {
  global: number; // window index in the run
  ids: number[];
}

/** Which rows a read yields: all, those of training windows, or those of held-out windows. */
export type RowPart = 'all' | 'training' | 'heldOut';

/** A held-out window and where its rows are (a window's rows are stored consecutively). */
export interface HeldOutWindow extends StoredWindow {
  firstRow: number;
  rows: number;
}

/** Rows of held-out windows: [n, dim], their global row numbers and token ids. */
export interface HeldOutRows {
  rows: Float32Array; //    [n, dim]
  rowIndex: Uint32Array; // [n]
  tokenIds: Int32Array; //  [n]
  windows: number; //       held-out windows they come from
  dim: number;
}

/** The run's windows in order from `firstWindow`, one chunk in memory at a time. */
export async function* readWindows(db: StoreDb, run: RunManifest, firstWindow = 0): AsyncGenerator<StoredWindow> {
  for (let c = Math.floor(firstWindow / run.windowsPerChunk); c < run.windowChunks; c++) {
    const chunk = (await db.get('windows', [run.id, c])) as WindowChunk;
    let at = 0;
    for (let w = 0; w < chunk.lengths.length; w++) {
      const global = c * run.windowsPerChunk + w;
      const len = chunk.lengths[w];
      if (global >= firstWindow) yield { global, ids: Array.from(chunk.ids.subarray(at, at + len)) };
      at += len;
    }
  }
}

export class RunReader {
  /** Per window chunk: its held-out flags (null: none held out). Small (a byte a window), so kept. */
  private readonly flags = new Map<number, Uint8Array | null>();

  private constructor(
    private readonly db: StoreDb,
    readonly run: RunManifest,
  ) {}

  /** Whether the run has held-out windows at all (runs from before the split have none). */
  get hasHeldOut(): boolean {
    return !!this.run.heldOut && (this.run.heldOutWindows ?? 0) > 0;
  }

  private async chunkFlags(chunk: number): Promise<Uint8Array | null> {
    if (!this.flags.has(chunk)) {
      const c = (await this.db.get('windows', [this.run.id, chunk])) as WindowChunk | undefined;
      this.flags.set(chunk, c?.heldOut ?? null);
    }
    return this.flags.get(chunk)!;
  }

  /** Whether global window `w` holds held-out documents. */
  async isHeldOutWindow(w: number): Promise<boolean> {
    if (!this.hasHeldOut) return false;
    const per = this.run.windowsPerChunk;
    return (await this.chunkFlags(Math.floor(w / per)))?.[w % per] === 1;
  }

  /** Per row of shard `index`: 1 when the row is in `part` — or null when every row is (nothing to filter). */
  private async shardMask(index: number, part: RowPart): Promise<Uint8Array | null> {
    if (part === 'all' || (part === 'training' && !this.hasHeldOut)) return null;
    const rows = (await this.db.get('shardRows', [this.run.id, index])) as ShardRows;
    const mask = new Uint8Array(rows.window.length);
    const want = part === 'heldOut';
    for (let r = 0; r < mask.length; r++) {
      if (r > 0 && rows.window[r] === rows.window[r - 1]) mask[r] = mask[r - 1];
      else mask[r] = (await this.isHeldOutWindow(rows.window[r])) === want ? 1 : 0;
    }
    return mask;
  }

  static async open(db: StoreDb, runId: string): Promise<RunReader> {
    return new RunReader(db, await getRun(db, runId));
  }

  dimOf(hook: string): number {
    const h = this.run.hooks.find((x) => x.name === hook);
    if (!h) throw new Error(`run ${this.run.id} has no hook ${hook} (it has ${this.run.hooks.map((x) => x.name).join(', ')})`);
    return h.dim;
  }

  /** One committed shard of a hook as float32 [rows, dim]. */
  async shard(hook: string, index: number): Promise<Float32Array> {
    const s = (await this.db.get('shards', [this.run.id, hook, index])) as ShardData | undefined;
    if (!s || index >= this.run.committedShards) throw new Error(`shard ${index} of ${hook} is not committed`);
    return s.data instanceof Uint16Array ? halfToFloat(s.data) : s.data;
  }

  /**
   * Rows of `hook` in batches of `batchSize`. With `shuffle`, shard order is permuted and rows are
   * mixed across a window of `mixShards` shards (SAELens' mixing buffer), reproducibly from the seed. `part`
   * keeps only the rows of training windows (what an SAE trains on: never a held-out row) or of held-out ones;
   * on a run without held-out windows 'training' reads exactly what 'all' does.
   */
  async *batches(hook: string, batchSize: number, shuffle?: { seed: number; mixShards?: number }, part: RowPart = 'all'): AsyncGenerator<RowBatch> {
    const dim = this.dimOf(hook);
    const order = Array.from({ length: this.run.committedShards }, (_, i) => i);
    const rand = shuffle ? mulberry32(shuffle.seed) : null;
    if (rand) shuffleInPlace(order, rand);
    const mix = shuffle ? Math.max(1, shuffle.mixShards ?? 4) : 1;
    let carry: { rows: Float32Array; index: Uint32Array } = { rows: new Float32Array(0), index: new Uint32Array(0) };
    for (let g = 0; g < order.length; g += mix) {
      const group = order.slice(g, g + mix);
      const pool = await this.loadGroup(hook, group, dim, carry, part);
      if (rand) permuteRows(pool, dim, rand);
      const n = pool.index.length;
      const last = g + mix >= order.length;
      const usable = last ? n : n - (n % batchSize);
      for (let at = 0; at < usable; at += batchSize) {
        const end = Math.min(at + batchSize, usable);
        yield { rows: pool.rows.slice(at * dim, end * dim), rowIndex: pool.index.slice(at, end), dim };
      }
      carry = { rows: pool.rows.slice(usable * dim), index: pool.index.slice(usable) };
    }
  }

  private async loadGroup(hook: string, group: number[], dim: number, carry: { rows: Float32Array; index: Uint32Array }, part: RowPart) {
    const parts = await Promise.all(
      group.map(async (i) => ({ rows: await this.shard(hook, i), first: i * this.run.rowsPerShard, mask: await this.shardMask(i, part) })),
    );
    const kept = (p: (typeof parts)[number]) => (p.mask ? p.mask.reduce((a, m) => a + m, 0) : p.rows.length / dim);
    const n = carry.index.length + parts.reduce((a, p) => a + kept(p), 0);
    const rows = new Float32Array(n * dim);
    const index = new Uint32Array(n);
    rows.set(carry.rows);
    index.set(carry.index);
    let at = carry.index.length;
    for (const p of parts) {
      const count = p.rows.length / dim;
      if (!p.mask) {
        rows.set(p.rows, at * dim);
        for (let r = 0; r < count; r++) index[at + r] = p.first + r;
        at += count;
        continue;
      }
      for (let r = 0; r < count; r++) {
        if (!p.mask[r]) continue;
        rows.set(p.rows.subarray(r * dim, (r + 1) * dim), at * dim);
        index[at++] = p.first + r;
      }
    }
    return { rows, index };
  }

  /**
   * The first `max` held-out windows in run order, with where their rows are. Held-out windows are spread through
   * the run (their documents are), so this reads about max / share windows' chunks.
   */
  async heldOutWindows(max: number): Promise<HeldOutWindow[]> {
    const out: HeldOutWindow[] = [];
    if (!this.hasHeldOut || max <= 0) return out;
    let firstRow = 0;
    for (let c = 0; c < this.run.windowChunks && out.length < max; c++) {
      const chunk = (await this.db.get('windows', [this.run.id, c])) as WindowChunk;
      this.flags.set(c, chunk.heldOut ?? null);
      let at = 0;
      for (let w = 0; w < chunk.lengths.length && out.length < max; w++) {
        const len = chunk.lengths[w];
        const rows = rowsOfWindow(this.run, len);
        if (chunk.heldOut?.[w] === 1) out.push({ global: c * this.run.windowsPerChunk + w, ids: Array.from(chunk.ids.subarray(at, at + len)), firstRow, rows });
        firstRow += rows;
        at += len;
      }
    }
    return out;
  }

  /**
   * Rows of `hook` from the first held-out windows whose rows are committed, at most `maxRows` rows (whole windows,
   * bar the last, which is cut) from at most `maxWindows` windows: a fixed, bounded sample for held-out figures.
   */
  async heldOutRows(hook: string, maxRows: number, maxWindows = Infinity): Promise<HeldOutRows> {
    const dim = this.dimOf(hook);
    const windows = (await this.heldOutWindows(maxWindows)).filter((w) => w.firstRow + w.rows <= this.run.committedRows);
    const parts: Float32Array[] = [];
    const index: number[] = [];
    let used = 0;
    for (const w of windows) {
      if (index.length >= maxRows) break;
      const count = Math.min(w.rows, maxRows - index.length);
      parts.push(await this.rowRange(hook, w.firstRow, count));
      for (let r = 0; r < count; r++) index.push(w.firstRow + r);
      used++;
    }
    const rows = new Float32Array(index.length * dim);
    let at = 0;
    for (const p of parts) {
      rows.set(p, at);
      at += p.length;
    }
    return { rows, rowIndex: Uint32Array.from(index), tokenIds: await this.tokenIds(index), windows: used, dim };
  }

  /** Rows first … first + count − 1 of `hook` as float32 [count, dim] (they may span shards). */
  async rowRange(hook: string, first: number, count: number): Promise<Float32Array> {
    const dim = this.dimOf(hook);
    if (first < 0 || count < 0 || first + count > this.run.committedRows) {
      throw new Error(`rows ${first}…${first + count - 1} are not all committed (run has ${this.run.committedRows})`);
    }
    const out = new Float32Array(count * dim);
    const per = this.run.rowsPerShard;
    for (let row = first; row < first + count; ) {
      const s = Math.floor(row / per);
      const shard = await this.shard(hook, s);
      const end = Math.min(first + count, (s + 1) * per);
      out.set(shard.subarray((row - s * per) * dim, (end - s * per) * dim), (row - first) * dim);
      row = end;
    }
    return out;
  }

  /** The token id of each row (−1 for a row that is not committed). */
  async tokenIds(rows: ArrayLike<number>): Promise<Int32Array> {
    const out = new Int32Array(rows.length).fill(-1);
    const per = this.run.rowsPerShard;
    const cache = new Map<number, ShardRows>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (!(row >= 0 && row < this.run.committedRows)) continue;
      const s = Math.floor(row / per);
      let rec = cache.get(s);
      if (!rec) cache.set(s, (rec = (await this.db.get('shardRows', [this.run.id, s])) as ShardRows));
      out[i] = rec.tokenId[row - s * per];
    }
    return out;
  }

  /**
   * The token ids of rows row − radius … row + radius of the same window, for each row: [rows.length, 2·radius + 1],
   * −1 where the window (or the committed rows) ends. A window's rows are stored consecutively, so its neighbours
   * are the neighbouring rows; BOS, when the run skips it, is no row and so no neighbour.
   */
  async neighbourIds(rows: ArrayLike<number>, radius: number): Promise<Int32Array> {
    const w = 2 * radius + 1;
    const out = new Int32Array(rows.length * w).fill(-1);
    const per = this.run.rowsPerShard;
    const committed = this.run.committedRows;
    // The shards those rows and their neighbours live in, read once; the lookups below are then synchronous.
    const shards = new Map<number, ShardRows>();
    for (let i = 0; i < rows.length; i++) {
      if (!(rows[i] >= 0 && rows[i] < committed)) continue;
      const last = Math.floor(Math.min(committed - 1, rows[i] + radius) / per);
      for (let s = Math.floor(Math.max(0, rows[i] - radius) / per); s <= last; s++) {
        if (!shards.has(s)) shards.set(s, (await this.db.get('shardRows', [this.run.id, s])) as ShardRows);
      }
    }
    const rec = (r: number) => shards.get(Math.floor(r / per))!;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (!(row >= 0 && row < committed)) continue;
      const own = rec(row);
      const window = own.window[row % per];
      out[i * w + radius] = own.tokenId[row % per];
      for (const step of [-1, 1]) {
        for (let k = 1; k <= radius; k++) {
          const r = row + step * k;
          if (!(r >= 0 && r < committed)) break;
          const n = rec(r);
          if (n.window[r % per] !== window) break;
          out[i * w + radius + step * k] = n.tokenId[r % per];
        }
      }
    }
    return out;
  }

  /** Where row `row` came from: its window of tokens, its position, document and file. */
  async context(row: number): Promise<RowContext> {
    if (row < 0 || row >= this.run.committedRows) throw new Error(`row ${row} is not committed (run has ${this.run.committedRows})`);
    const shardIndex = Math.floor(row / this.run.rowsPerShard);
    const rows = (await this.db.get('shardRows', [this.run.id, shardIndex])) as ShardRows;
    const r = row - shardIndex * this.run.rowsPerShard;
    const window = rows.window[r];
    const position = rows.position[r];
    const chunk = (await this.db.get('windows', [this.run.id, Math.floor(window / this.run.windowsPerChunk)])) as WindowChunk;
    const w = window % this.run.windowsPerChunk;
    const start = chunk.lengths.slice(0, w).reduce((a, b) => a + b, 0);
    const len = chunk.lengths[w];
    const doc = chunk.doc[start + position];
    const docRec = doc >= 0 ? await this.db.get('documents', [this.run.id, doc]) : undefined;
    return {
      row,
      window,
      position,
      ids: Array.from(chunk.ids.subarray(start, start + len)),
      doc,
      offset: chunk.offset[start + position],
      file: docRec?.file ?? null,
      fileRow: docRec?.row ?? null,
    };
  }
}

function permuteRows(pool: { rows: Float32Array; index: Uint32Array }, dim: number, rand: () => number): void {
  const n = pool.index.length;
  const perm = shuffleInPlace(Uint32Array.from({ length: n }, (_, i) => i), rand);
  const rows = new Float32Array(pool.rows.length);
  const index = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    rows.set(pool.rows.subarray(perm[i] * dim, (perm[i] + 1) * dim), i * dim);
    index[i] = pool.index[perm[i]];
  }
  pool.rows = rows;
  pool.index = index;
}
