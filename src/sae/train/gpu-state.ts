// What every WebGPU SAE trainer (./gpu-step.ts, ./standard-gpu-step.ts) keeps on the GPU between steps — the four
// parameters, their Adam moments and gradients, the dead counters — with the parts of a step that do not depend
// on the architecture: checking and uploading the batch, the Adam update, reading the state back.
import { createBuffer, readBuffer } from '../../gpu/device';
import { adam } from '../../gpu/kernels/adam';
import { adamScalars } from '../cpu/adam';
import { checkLength } from '../cpu/matmul_bias';
import { PARAM_NAMES, type ParamName, type SaeTrainState } from './types';

export type ParamBuffers = Record<ParamName, GPUBuffer>;

const F = 4; // bytes per f32 / u32

/** A WebGPU SAE trainer of config `Cfg` whose steps report `Stats` (./gpu-step.ts, ./standard-gpu-step.ts). */
export interface GpuTrainerOf<Cfg, Stats> {
  readonly device: GPUDevice;
  readonly cfg: Cfg;
  readonly maxBatch: number;
  /** Adam steps taken (host-side; the bias corrections of the next step use step + 1). */
  readonly step: number;
  readonly params: ParamBuffers;
  /** [d_sae] u32 tokens since each latent fired. */
  readonly sinceFired: GPUBuffer;
  /** f32 scalars of the last step (the trainer's stats slots). */
  readonly stats: GPUBuffer;
  /**
   * Encodes one training step on x [B, d_in] at learning rate `lr` and submits it, or appends it to `encoder`
   * (the caller submits; x must then be a GPUBuffer). A Float32Array x is uploaded first; a GPUBuffer is read in
   * place. B ≤ maxBatch.
   */
  trainStep(x: Float32Array | GPUBuffer, lr: number, B?: number, encoder?: GPUCommandEncoder): void;
  /** The last step's statistics (waits for the GPU). */
  readStats(): Promise<Stats>;
  /** Parameters, Adam moments, step and dead counters, copied back (waits for the GPU). */
  readState(): Promise<SaeTrainState>;
  /** Frees every buffer the trainer made. */
  destroy(): void;
}

export class GpuTrainBuffers {
  readonly shapes: Record<ParamName, number>;
  readonly params: ParamBuffers;
  readonly m: ParamBuffers; //       Adam first moments
  readonly v: ParamBuffers; //       Adam second moments
  readonly grads: ParamBuffers;
  readonly sinceFired: GPUBuffer; // [d_sae] u32
  private readonly owned: GPUBuffer[] = [];

  /** Uploads `state`; `who` names the trainer in error messages. */
  constructor(
    readonly device: GPUDevice,
    readonly dIn: number,
    readonly dSae: number,
    state: SaeTrainState,
    readonly maxBatch: number,
    who: string,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`${who}: maxBatch = ${maxBatch} must be a positive integer`);
    checkLength('sinceFired', state.sinceFired, dSae);
    this.shapes = { W_enc: dIn * dSae, b_enc: dSae, W_dec: dSae * dIn, b_dec: dIn };
    const upload = (t: Record<ParamName, Float32Array>, prefix: string) => {
      const out = {} as ParamBuffers;
      for (const n of PARAM_NAMES) {
        checkLength(`${prefix}${n}`, t[n], this.shapes[n]);
        out[n] = this.make(t[n], `${prefix}${n}`);
      }
      return out;
    };
    this.params = upload(state.params, '');
    this.m = upload(state.m, 'adam_m.');
    this.v = upload(state.v, 'adam_v.');
    this.grads = {} as ParamBuffers;
    for (const n of PARAM_NAMES) this.grads[n] = this.make(this.shapes[n] * F, `grad.${n}`);
    this.sinceFired = this.make(state.sinceFired, 'since_fired');
  }

  /** A buffer freed with the trainer: from data, or of `bytes` (zeroed). */
  make(data: ArrayBufferView | number, label: string): GPUBuffer {
    const b = createBuffer(this.device, data, undefined, label);
    this.owned.push(b);
    return b;
  }

  /**
   * One training step on x [rows, d_in]: checks B and the learning rate, puts the batch in a buffer (a Float32Array
   * is checked and uploaded into `xBuf`; a GPUBuffer is checked and read in place), then `encode`s the step onto
   * `encoder`, or onto a new encoder (`label`) that it submits.
   */
  runStep(
    x: Float32Array | GPUBuffer,
    rows: number,
    lr: number,
    xBuf: GPUBuffer,
    encoder: GPUCommandEncoder | undefined,
    label: string,
    encode: (enc: GPUCommandEncoder, x: GPUBuffer) => void,
  ): void {
    const xb = this.stepInput(x, rows, lr, xBuf, encoder);
    const enc = encoder ?? this.device.createCommandEncoder({ label });
    encode(enc, xb);
    if (!encoder) this.device.queue.submit([enc.finish()]);
  }

  /**
   * The batch of a step as a buffer: a Float32Array is checked and uploaded into `xBuf`; a GPUBuffer is checked and
   * used in place. Also checks B and the learning rate.
   */
  private stepInput(x: Float32Array | GPUBuffer, rows: number, lr: number, xBuf: GPUBuffer, encoder: GPUCommandEncoder | undefined): GPUBuffer {
    const { maxBatch, dIn } = this;
    if (!Number.isInteger(rows) || rows < 1 || rows > maxBatch) throw new RangeError(`trainStep: B = ${rows} must be in 1..${maxBatch}`);
    if (!(lr >= 0)) throw new RangeError(`trainStep: learning rate ${lr} must be ≥ 0`);
    if (x instanceof Float32Array) {
      // queue.writeBuffer runs before the caller's submit: a second array step in the same encoder would
      // overwrite the first step's batch before either ran.
      if (encoder) throw new RangeError('trainStep: with an `encoder`, pass x as a GPUBuffer (an array upload would not be ordered with the encoded steps)');
      checkLength('x', x, rows * dIn);
      this.device.queue.writeBuffer(xBuf, 0, x.buffer, x.byteOffset, x.byteLength);
      return xBuf;
    }
    if (x.size < rows * dIn * F) throw new RangeError(`trainStep: x buffer holds ${x.size} bytes, fewer than B · d_in · 4 = ${rows * dIn * F}`);
    return x;
  }

  /** Adam (bias-corrected for `step`, the step being taken) on all four parameters. */
  encodeAdam(enc: GPUCommandEncoder, hyper: { lr: number; beta1: number; beta2: number; eps: number }, step: number): void {
    const sc = adamScalars(hyper, step);
    for (const n of PARAM_NAMES) adam(this.device, { n: this.shapes[n] }, sc, { param: this.params[n], grad: this.grads[n], m: this.m[n], v: this.v[n] }, enc);
  }

  /** Parameters, Adam moments, `step` and dead counters, copied back (waits for the GPU). */
  async readState(step: number): Promise<SaeTrainState> {
    const grab = async (bufs: ParamBuffers) => {
      const out = {} as Record<ParamName, Float32Array>;
      for (const n of PARAM_NAMES) out[n] = await readBuffer(this.device, bufs[n], this.shapes[n] * F);
      return out;
    };
    return {
      params: await grab(this.params),
      m: await grab(this.m),
      v: await grab(this.v),
      step,
      sinceFired: await readBuffer(this.device, this.sinceFired, this.dSae * F, 'u32'),
    };
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
  }
}
