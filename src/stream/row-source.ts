// Activation rows of a window stream, in stream order: windows are forwarded through the model in batches of equal
// length (only an epoch's last window can be shorter), and each forward yields every hook at once. Row r of the
// stream is the r-th non-BOS (or, with skipBos false, every) position of the training windows in order, so a row
// number alone says where the stream stands: a resumed stream skips whole windows (tokenized, never forwarded) up to
// the window holding its first row.
import type { HookOutputs } from '../store/harvest';
import type { TrainWindow } from './corpus-windows';

/** The model's forward over windows of equal length: each hook's output [B, T, dim] (ForwardFn of harvest.ts). */
export type StreamForward = (ids: number[][]) => Promise<HookOutputs>;

export interface StreamHook {
  name: string;
  dim: number;
}

/** n rows of every hook, in stream order, and where each row came from. */
export interface StreamRows {
  n: number;
  rows: Map<string, Float32Array>; // hook → [n, dim]
  window: Uint32Array; //             [n] training window index of each row
  position: Uint16Array; //           [n] its token position in the window
}

export interface RowSourceOptions {
  forwardBatch: number; // windows per forward
  skipBos: boolean;
  /** Rows of the stream to pass over before the first row taken (a resumed stream). */
  skipRows: number;
  /** Each forward's windows and outputs, before any row is taken (a stored sample, the held-out helper's probes). */
  onForward?(windows: TrainWindow[], out: HookOutputs): void | Promise<void>;
}

interface Forwarded {
  windows: TrainWindow[];
  out: HookOutputs;
  T: number;
  b: number; // cursor: window in the batch
  t: number; //         position in the window
}

export class RowSource {
  /** Tokens forwarded (all positions of every window run through the model) and the time the forwards took. */
  forwardTokens = 0;
  forwardMs = 0;
  private cur: Forwarded | null = null;
  private peeked: TrainWindow | null = null;
  private skip: number;
  private readonly first: number;
  /** Rows of the stream passed so far (skipped or loaded), and where each loaded window's rows start. */
  private rowCursor = 0;
  private starts: { index: number; firstRow: number; rows: number }[] = [];

  constructor(
    private readonly windows: AsyncIterator<TrainWindow>,
    private readonly forward: StreamForward,
    readonly hooks: StreamHook[],
    private readonly o: RowSourceOptions,
  ) {
    this.skip = o.skipRows;
    this.first = o.skipBos ? 1 : 0;
  }

  private rowsOf(w: TrainWindow): number {
    return w.window.ids.length - this.first;
  }

  private async nextWindow(): Promise<TrainWindow> {
    if (this.peeked) {
      const w = this.peeked;
      this.peeked = null;
      return w;
    }
    const r = await this.windows.next();
    if (r.done) throw new Error('the window stream ended'); // trainingWindows is endless (epochs)
    return r.value;
  }

  /** Forwards the next batch: windows wholly inside the rows to skip are passed over without a forward. */
  private async load(): Promise<Forwarded> {
    let w = await this.nextWindow();
    while (this.skip >= this.rowsOf(w)) {
      this.skip -= this.rowsOf(w);
      this.rowCursor += this.rowsOf(w);
      w = await this.nextWindow();
    }
    const batch = [w];
    while (batch.length < this.o.forwardBatch) {
      const next = await this.nextWindow();
      if (next.window.ids.length !== w.window.ids.length) {
        this.peeked = next;
        break;
      }
      batch.push(next);
    }
    for (const x of batch) {
      this.starts.push({ index: x.index, firstRow: this.rowCursor, rows: this.rowsOf(x) });
      this.rowCursor += this.rowsOf(x);
    }
    const T = w.window.ids.length;
    const t0 = performance.now();
    const out = await this.forward(batch.map((x) => x.window.ids));
    this.forwardMs += performance.now() - t0;
    this.forwardTokens += batch.length * T;
    await this.o.onForward?.(batch, out);
    const f: Forwarded = { windows: batch, out, T, b: 0, t: this.first + this.skip };
    this.skip = 0;
    return f;
  }

  /**
   * The training window holding stream row `row` and the row's offset in it: `row` must lie in a window loaded since
   * the last prune, or be the first row after them (then the next window, offset 0).
   */
  locate(row: number): { window: number; offset: number } {
    for (let i = this.starts.length - 1; i >= 0; i--) {
      const s = this.starts[i];
      if (row >= s.firstRow + s.rows) {
        if (i === this.starts.length - 1 && row === s.firstRow + s.rows) return { window: s.index + 1, offset: 0 };
        break;
      }
      if (row >= s.firstRow) return { window: s.index, offset: row - s.firstRow };
    }
    throw new RangeError(`row ${row} of the stream is not among the windows loaded lately`);
  }

  /** Forgets where windows ending before `row` start (locate is not asked about them again). */
  prune(row: number): void {
    const keep = this.starts.findIndex((s) => s.firstRow + s.rows > row);
    this.starts = keep < 0 ? this.starts.slice(-1) : this.starts.slice(Math.max(0, keep - 1));
  }

  /** The next n rows of every hook. */
  async take(n: number): Promise<StreamRows> {
    const rows = new Map(this.hooks.map((h) => [h.name, new Float32Array(n * h.dim)]));
    const window = new Uint32Array(n);
    const position = new Uint16Array(n);
    for (let i = 0; i < n; ) {
      if (!this.cur || this.cur.b === this.cur.windows.length) this.cur = await this.load();
      const f = this.cur;
      // The rest of the current window, or as much of it as is asked for: rows of a window are contiguous in [B, T, dim].
      const count = Math.min(n - i, f.T - f.t);
      for (const h of this.hooks) {
        const src = f.out[h.name].data; // [B, T, dim]
        const at = (f.b * f.T + f.t) * h.dim;
        rows.get(h.name)!.set(src.subarray(at, at + count * h.dim), i * h.dim);
      }
      window.fill(f.windows[f.b].index, i, i + count);
      for (let c = 0; c < count; c++) position[i + c] = f.t + c;
      i += count;
      f.t += count;
      if (f.t === f.T) {
        f.b++;
        f.t = this.first;
      }
    }
    return { n, rows, window, position };
  }
}
