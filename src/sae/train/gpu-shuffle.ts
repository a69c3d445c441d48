// The GPU-side shuffle ("mixing") buffer, after SAELens' mixing_buffer and sparsify: a pool of P activation rows
// lives in GPU memory; each step draws B distinct random rows out of it for training and puts the B rows just read
// from the store in their places (shaders/shuffle_swap.wgsl). Rows of one shard or document therefore reach the
// SAE spread over ~P/B steps, and the store's next read happens while the GPU trains on what the pool holds.
//
//   fill:  the first ⌈P / B⌉ batches of the stream go into the pool without a step (rows past P are skipped)
//   step:  slots = B distinct rows of [0, P), seeded by (seed, draw);  x = pool[slots];  pool[slots] = incoming
//
// Slots come from a sparse Fisher–Yates over [0, P) seeded per draw, so a run is reproducible from its seed and
// the draw count alone, in O(B) per step.
import { createBuffer, readBuffer } from '../../gpu/device';
import { shuffleSwap } from '../../gpu/kernels/shuffle_swap';
import { checkLength } from '../cpu/matmul_bias';
import { shuffleSwap as shuffleSwapCpu } from '../cpu/shuffle_swap';
import { mulberry32 } from './rng';

const F = 4;

/** B distinct rows of [0, P), uniformly at random, from the seed and draw number. */
export function shuffleSlots(P: number, B: number, seed: number, draw: number): Uint32Array {
  if (!Number.isInteger(B) || B < 0 || B > P) throw new RangeError(`shuffleSlots: cannot draw ${B} distinct rows out of ${P}`);
  const rand = mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(draw + 1, 0x85ebca6b)) >>> 0);
  const moved = new Map<number, number>(); // the virtual permutation, identity where absent
  const slots = new Uint32Array(B);
  for (let i = 0; i < B; i++) {
    const j = i + Math.floor(rand() * (P - i));
    const atJ = moved.get(j) ?? j;
    moved.set(j, moved.get(i) ?? i);
    slots[i] = atJ;
  }
  return slots;
}

export interface GpuShufflePoolOptions {
  /** Rows the pool holds (P). */
  rows: number;
  d: number;
  /** Largest batch drawn at once. */
  maxBatch: number;
  seed: number;
}

export class GpuShufflePool {
  readonly rows: number;
  readonly d: number;
  readonly maxBatch: number;
  private readonly seed: number;
  private readonly pool: GPUBuffer; //     [P, d]
  private readonly incoming: GPUBuffer; // [maxBatch, d]
  private readonly slots: GPUBuffer; //    [maxBatch] u32
  private readonly out: GPUBuffer; //      [maxBatch, d]
  private filledRows = 0;
  private draws = 0;

  constructor(
    private readonly device: GPUDevice,
    o: GpuShufflePoolOptions,
  ) {
    if (!Number.isInteger(o.rows) || !Number.isInteger(o.maxBatch) || o.maxBatch < 1 || o.rows < o.maxBatch) {
      throw new RangeError(`GpuShufflePool: a pool of ${o.rows} rows cannot serve batches of ${o.maxBatch}`);
    }
    this.rows = o.rows;
    this.d = o.d;
    this.maxBatch = o.maxBatch;
    this.seed = o.seed;
    this.pool = createBuffer(device, o.rows * o.d * F, undefined, 'shuffle.pool');
    this.incoming = createBuffer(device, o.maxBatch * o.d * F, undefined, 'shuffle.incoming');
    this.slots = createBuffer(device, o.maxBatch * F, undefined, 'shuffle.slots');
    this.out = createBuffer(device, o.maxBatch * o.d * F, undefined, 'shuffle.batch');
  }

  get full(): boolean {
    return this.filledRows >= this.rows;
  }

  /** Writes rows x [B, d] into the next empty rows of the pool; rows past its end are skipped. Returns rows written. */
  fill(x: Float32Array): number {
    const n = Math.min(x.length / this.d, this.rows - this.filledRows);
    if (n <= 0) return 0;
    this.device.queue.writeBuffer(this.pool, this.filledRows * this.d * F, x.buffer, x.byteOffset, n * this.d * F);
    this.filledRows += n;
    return n;
  }

  /**
   * Encodes one draw: uploads x [B, d] (the store's next rows), and returns the buffer that will hold the B pool
   * rows they replace once `encoder` runs. The returned buffer is reused by the next draw.
   */
  draw(x: Float32Array, B: number, encoder: GPUCommandEncoder): GPUBuffer {
    if (!this.full) throw new RangeError('GpuShufflePool: fill the pool before drawing from it');
    if (!Number.isInteger(B) || B < 1 || B > this.maxBatch) throw new RangeError(`GpuShufflePool: B = ${B} must be in 1..${this.maxBatch}`);
    checkLength('x', x, B * this.d);
    const slots = shuffleSlots(this.rows, B, this.seed, this.draws++);
    // writeBuffer lands before the encoder's commands run; the caller submits one draw per encoder.
    this.device.queue.writeBuffer(this.incoming, 0, x.buffer, x.byteOffset, x.byteLength);
    this.device.queue.writeBuffer(this.slots, 0, slots.buffer, slots.byteOffset, slots.byteLength);
    shuffleSwap(this.device, { B, d: this.d }, { slots: this.slots, incoming: this.incoming, pool: this.pool, out: this.out }, encoder);
    return this.out;
  }

  /** The pool's rows [P, d] as they are now (waits for the GPU). */
  contents(): Promise<Float32Array> {
    return readBuffer(this.device, this.pool, this.rows * this.d * F);
  }

  destroy(): void {
    for (const b of [this.pool, this.incoming, this.slots, this.out]) b.destroy();
  }
}

/** The CPU twin of GpuShufflePool: same fill rule, same slots, shuffle_swap's twin. */
export class CpuShufflePool {
  private readonly pool: Float32Array; // [P, d]
  private filledRows = 0;
  private draws = 0;

  constructor(private readonly o: GpuShufflePoolOptions) {
    if (!Number.isInteger(o.rows) || o.rows < o.maxBatch) throw new RangeError(`CpuShufflePool: a pool of ${o.rows} rows cannot serve batches of ${o.maxBatch}`);
    this.pool = new Float32Array(o.rows * o.d);
  }

  get full(): boolean {
    return this.filledRows >= this.o.rows;
  }

  fill(x: Float32Array): number {
    const n = Math.min(x.length / this.o.d, this.o.rows - this.filledRows);
    if (n <= 0) return 0;
    this.pool.set(x.subarray(0, n * this.o.d), this.filledRows * this.o.d);
    this.filledRows += n;
    return n;
  }

  draw(x: Float32Array, B: number): Float32Array {
    if (!this.full) throw new RangeError('CpuShufflePool: fill the pool before drawing from it');
    const slots = shuffleSlots(this.o.rows, B, this.o.seed, this.draws++);
    return shuffleSwapCpu({ slots, incoming: x, pool: this.pool, B, d: this.o.d });
  }

  contents(): Float32Array {
    return this.pool.slice();
  }
}
