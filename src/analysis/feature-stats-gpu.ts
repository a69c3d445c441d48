// The feature statistics pass on WebGPU: the same two passes as ./feature-pass.ts, each batch encoded and reduced
// on the GPU (matmul_bias → feature_acts [→ topk_rows [→ batch_topk] → feature_scatter] → feature_stats /
// feature_hist). The SAE's weights are uploaded once, the running per-feature state never leaves the GPU, and only
// the final state is read back. Batches stream from the store while the GPU works on the previous one.
//
// A "layer_norm" SAE (OpenAI's v5) normalises each row before encoding. Here that happens on the CPU, in encode()
// just before the upload, with the same encoderInput the plain loops and onnxruntime use, rather than in a WGSL
// kernel: the rows come from CPU memory (IndexedDB) anyway, the normalisation is ~3·d_in flops a row against the
// encoder matmul's 2·d_in·d_sae (1 : 20,000 at d_sae 32,768), and it runs while the GPU works on the batch before.
// Measured in Node on a shared 2-core machine: layerNormIn of a 256 × 768 batch takes ~1 ms, while that batch's
// matmul at d_sae 32,768 is 12.9 GFLOP (≥ 1.3 ms even at 10 TFLOP/s); with one batch in flight the JS hides behind
// the GPU, and one set of float32 inputs serves every encoder (so GPU and CPU twins see identical rows).
// A WGSL kernel would pay off only if rows were already on the GPU, which they are not here.
import { createBuffer, readBuffer } from '../gpu/device';
import { BATCH_TOPK_RESULT, BATCH_TOPK_RESULT_LEN, batchTopk } from '../gpu/kernels/batch_topk';
import { featureActs, featureHist, featureScatter, featureStats } from '../gpu/kernels/feature_stats';
import { matmulBias } from '../gpu/kernels/matmul_bias';
import { TOPK_MAX_K, topkRows } from '../gpu/kernels/topk_rows';
import { LabError } from '../core/errors';
import { encoderInput } from '../sae/sae';
import { edgeFractions } from './cpu/feature_hist';
import { EMPTY_SLOT } from './cpu/feature_stats';
import { type Batches, DEFAULT_FEATURE_STATS, type EncoderSae, type FeatureStats, type FeatureStatsOptions, StatsCancelledError } from './feature-pass';

const F = 4;

/**
 * Candidates per row a BatchTopK batch selection draws from on the GPU (topk_rows' most). The batch's
 * ⌊k·M⌋ winners are exactly those of the whole [M, d_sae] batch unless some row wins all of its candidates:
 * GpuEncoder counts such rows and refuses the batch (BatchTopkCapError) rather than give a cut-short selection.
 */
// Kept at 256 when topk_rows' limit rose to 1024 for training: the feature pass's memory ([M, candidates] twice)
// and its tests are sized for it; raising it (up to TOPK_MAX_K) would only make BatchTopkCapError rarer.
export const BATCH_TOPK_CANDIDATES = Math.min(256, TOPK_MAX_K);

/** A BatchTopK batch in which some row kept all its GPU candidates: its selection may be cut short. */
export class BatchTopkCapError extends LabError {}

/** Architectures the GPU pass encodes (topk up to topk_rows' k; batchtopk with BATCH_TOPK_CANDIDATES per row). */
export function gpuStatsSupported(sae: EncoderSae): boolean {
  const a = sae.cfg.architecture;
  return a === 'standard' || a === 'jumprelu' || a === 'batchtopk' || (a === 'topk' && (sae.cfg.k ?? 0) <= TOPK_MAX_K);
}

/** Uploads an SAE's encoder once; encodes batches of rows into dense activations on the GPU. */
export class GpuEncoder {
  private readonly owned: GPUBuffer[] = [];
  private readonly W_enc: GPUBuffer;
  private readonly b_enc: GPUBuffer;
  private readonly b_dec: GPUBuffer;
  private readonly threshold: GPUBuffer;
  readonly x: GPUBuffer; //    [maxBatch, d_in]
  readonly acts: GPUBuffer; // [maxBatch, d_sae]
  private readonly pre: GPUBuffer;
  private readonly idx: GPUBuffer;
  private readonly vals: GPUBuffer;
  /** batchtopk: batch_topk's result words, and a copy of them to read after each batch. */
  private readonly selResult: GPUBuffer | null = null;
  private readonly selStaging: GPUBuffer | null = null;
  private readonly slots: number; // per row: k (topk), candidates (batchtopk), 0

  constructor(
    readonly device: GPUDevice,
    readonly sae: EncoderSae,
    readonly maxBatch: number,
  ) {
    if (!gpuStatsSupported(sae)) throw new LabError(`the GPU encoder cannot encode a ${sae.cfg.architecture} SAE${sae.cfg.k ? ` with k = ${sae.cfg.k}` : ''}`);
    const { d_in: dIn, d_sae: d } = sae.cfg;
    const arch = sae.cfg.architecture;
    const k = arch === 'topk' ? sae.cfg.k! : arch === 'batchtopk' ? Math.min(d, BATCH_TOPK_CANDIDATES) : 0;
    this.slots = k;
    const make = (data: ArrayBufferView | number, label: string) => {
      const b = createBuffer(device, data, undefined, `sae-encoder.${label}`);
      this.owned.push(b);
      return b;
    };
    const w = sae.weights;
    this.W_enc = make(w.W_enc, 'W_enc');
    this.b_enc = make(w.b_enc, 'b_enc');
    this.b_dec = make(w.b_dec, 'b_dec');
    this.threshold = make(w.threshold ?? new Float32Array(1), 'threshold');
    this.x = make(maxBatch * dIn * F, 'x');
    this.pre = make(maxBatch * d * F, 'pre');
    this.acts = make(maxBatch * d * F, 'acts');
    this.idx = make(Math.max(1, maxBatch * k) * F, 'idx');
    this.vals = make(Math.max(1, maxBatch * k) * F, 'vals');
    if (arch === 'batchtopk') {
      this.selResult = make(BATCH_TOPK_RESULT_LEN * F, 'batch_topk_result');
      this.selStaging = device.createBuffer({ label: 'sae-encoder.batch_topk_readback', size: BATCH_TOPK_RESULT_LEN * F, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      this.owned.push(this.selStaging);
    }
  }

  /** Uploads rows [M, d_in] (through the SAE's run-time normalisation, if any) and encodes acts [M, d_sae] into `this.acts` on `enc`. */
  encode(rows: Float32Array, enc: GPUCommandEncoder): number {
    const { d_in: dIn, d_sae: d, architecture, apply_b_dec_to_input: sub } = this.sae.cfg;
    const M = rows.length / dIn;
    if (!Number.isInteger(M) || M < 1 || M > this.maxBatch) throw new RangeError(`GpuEncoder: a batch of ${rows.length / dIn} rows (max ${this.maxBatch})`);
    const mode = architecture === 'batchtopk' ? 'topk' : architecture;
    const x = encoderInput(this.sae.cfg, rows, M).x; // [M, d_in]: the rows themselves unless "layer_norm"
    this.device.queue.writeBuffer(this.x, 0, x.buffer, x.byteOffset, x.byteLength);
    matmulBias(this.device, { M, K: dIn, N: d, subtractRow: sub }, { a: this.x, b: this.W_enc, bias: this.b_enc, sub: sub ? this.b_dec : undefined, out: this.pre }, enc);
    featureActs(this.device, { M, dSae: d, mode }, { pre: this.pre, threshold: this.threshold, acts: this.acts }, enc);
    if (mode === 'topk') {
      const k = this.slots;
      topkRows(this.device, { M, N: d, k, relu: true }, { x: this.pre, indices: this.idx, values: this.vals }, enc);
      if (this.selResult && this.selStaging) {
        // The batch's ⌊k·M⌋ largest among the rows' candidates (ties → lower row, then lower latent), as
        // ARCHITECTURES.batchtopk selects over the whole batch; the dropped ones become 0 and scatter as 0.
        batchTopk(this.device, { M, kCand: k, keep: Math.floor(this.sae.cfg.k! * M), capRows: k < d }, { vals: this.vals, result: this.selResult }, enc);
        enc.copyBufferToBuffer(this.selResult, 0, this.selStaging, 0, BATCH_TOPK_RESULT_LEN * F);
      }
      featureScatter(this.device, { M, k, dSae: d }, { idx: this.idx, vals: this.vals, acts: this.acts }, enc);
    }
    return M;
  }

  /**
   * Call after the last encode()'s work is done (and before the next encode): throws BatchTopkCapError if, in a
   * BatchTopK batch, some row kept all its candidates, so its acts may lack latents the batch selection would keep.
   */
  async checkSelection(): Promise<void> {
    const st = this.selStaging;
    if (!st) return;
    await st.mapAsync(GPUMapMode.READ);
    const capped = new Uint32Array(st.getMappedRange().slice(0))[BATCH_TOPK_RESULT.cappedRows];
    st.unmap();
    if (capped > 0) {
      throw new BatchTopkCapError(
        `BatchTopK on the GPU: ${capped} row(s) of a batch won all ${this.slots} candidate latents a row can offer the batch ` +
          'selection, so the batch may have been cut short. Run the statistics pass on the CPU (it has no cap), or use smaller batches.',
      );
    }
  }

  /** Activations of one feature on rows x [n, d_in] (encoded maxBatch rows at a time). */
  async column(x: Float32Array, n: number, feature: number): Promise<Float32Array> {
    const { d_in: dIn, d_sae: d } = this.sae.cfg;
    const out = new Float32Array(n);
    for (let at = 0; at < n; at += this.maxBatch) {
      const m = Math.min(this.maxBatch, n - at);
      const enc = this.device.createCommandEncoder({ label: 'sae-encoder.column' });
      this.encode(x.subarray(at * dIn, (at + m) * dIn), enc);
      this.device.queue.submit([enc.finish()]);
      const acts = await readBuffer(this.device, this.acts, m * d * F);
      await this.checkSelection();
      for (let r = 0; r < m; r++) out[at + r] = acts[r * d + feature];
    }
    return out;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
  }
}

/** Dense activations [n, d_sae] read back from the GPU encoder (the correlation pass needs them on the CPU). */
export function gpuActs(encoder: GpuEncoder): (x: Float32Array, n: number) => Promise<Float32Array> {
  const { d_in: dIn, d_sae: d } = encoder.sae.cfg;
  return async (x, n) => {
    const out = new Float32Array(n * d);
    for (let at = 0; at < n; at += encoder.maxBatch) {
      const m = Math.min(encoder.maxBatch, n - at);
      const enc = encoder.device.createCommandEncoder({ label: 'sae-encoder.acts' });
      encoder.encode(x.subarray(at * dIn, (at + m) * dIn), enc);
      encoder.device.queue.submit([enc.finish()]);
      out.set(await readBuffer(encoder.device, encoder.acts, m * d * F), at * d);
      await encoder.checkSelection();
    }
    return out;
  };
}

export async function featureStatsGpu(
  device: GPUDevice,
  sae: EncoderSae,
  batches: Batches,
  opts: Partial<FeatureStatsOptions> = {},
  onProgress?: (pass: number, rows: number) => void,
  signal?: AbortSignal,
  maxBatch = 256,
): Promise<FeatureStats> {
  const o = { ...DEFAULT_FEATURE_STATS, ...opts };
  const d = sae.cfg.d_sae;
  const encoder = new GpuEncoder(device, sae, maxBatch);
  const owned: GPUBuffer[] = [];
  const make = (data: ArrayBufferView | number, label: string) => {
    const b = createBuffer(device, data, undefined, `feature-stats.${label}`);
    owned.push(b);
    return b;
  };
  const s1 = {
    count: make(d * F, 'count'),
    maxAct: make(d * F, 'max'),
    sum: make(d * F, 'sum'),
    comp: make(d * F, 'comp'),
    topRows: make(new Uint32Array(d * o.topN).fill(EMPTY_SLOT), 'top_rows'),
    topActs: make(d * o.topN * F, 'top_acts'),
  };
  const slots = d * o.nBands * o.bandSize;
  const s2 = {
    binFrac: make(edgeFractions(Math.max(2, o.nBins)), 'bin_frac'),
    bandFrac: make(edgeFractions(Math.max(2, o.nBands)), 'band_frac'),
    hist: make(d * o.nBins * F, 'hist'),
    bandCount: make(d * o.nBands * F, 'band_count'),
    bandRows: make(new Uint32Array(slots).fill(EMPTY_SLOT), 'band_rows'),
    bandKeys: make(slots * F, 'band_keys'),
    bandActs: make(slots * F, 'band_acts'),
  };
  const acts = encoder.acts;
  let rows = 0;
  try {
    for (const pass of [1, 2]) {
      let done = 0;
      let inFlight: Promise<void> | null = null;
      for await (const b of batches()) {
        if (signal?.aborted) throw new StatsCancelledError('the feature statistics pass was cancelled');
        // At most one batch queued behind the one running: the store reads ahead, the queue stays short.
        if (inFlight) {
          await inFlight;
          await encoder.checkSelection();
        }
        const enc = device.createCommandEncoder({ label: `feature-stats-pass${pass}` });
        const M = encoder.encode(b.rows, enc);
        if (pass === 1) featureStats(device, { M, dSae: d, firstRow: b.firstRow, topN: o.topN }, { acts, ...s1 }, enc);
        else featureHist(device, { M, dSae: d, firstRow: b.firstRow, nBins: o.nBins, nBands: o.nBands, bandSize: o.bandSize }, { acts, maxAct: s1.maxAct, ...s2 }, enc);
        device.queue.submit([enc.finish()]);
        inFlight = device.queue.onSubmittedWorkDone();
        done += M;
        if (pass === 1) rows += M;
        onProgress?.(pass, done);
      }
      await inFlight;
      await encoder.checkSelection();
    }
    const f32 = (b: GPUBuffer, n: number) => readBuffer(device, b, n * F);
    const u32 = (b: GPUBuffer, n: number) => readBuffer(device, b, n * F, 'u32');
    return {
      ...o,
      rows,
      dSae: d,
      count: await u32(s1.count, d),
      maxAct: await f32(s1.maxAct, d),
      sumAct: Float64Array.from(await f32(s1.sum, d)),
      top: { rows: await u32(s1.topRows, d * o.topN), acts: await f32(s1.topActs, d * o.topN) },
      hist: await u32(s2.hist, d * o.nBins),
      bandCount: await u32(s2.bandCount, d * o.nBands),
      bands: { rows: await u32(s2.bandRows, slots), acts: await f32(s2.bandActs, slots) },
    };
  } finally {
    encoder.destroy();
    for (const b of owned) b.destroy();
  }
}
