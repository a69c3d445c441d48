// The feature statistics pass on WebGPU: the same two passes as ./feature-pass.ts, each batch encoded and reduced
// on the GPU (matmul_bias → feature_acts [→ topk_rows → feature_scatter] → feature_stats / feature_hist). The
// SAE's weights are uploaded once, the running per-feature state never leaves the GPU, and only the final state is
// read back. Batches stream from the store while the GPU works on the previous one.
import { createBuffer, readBuffer } from '../gpu/device';
import { featureActs, featureHist, featureScatter, featureStats } from '../gpu/kernels/feature_stats';
import { matmulBias } from '../gpu/kernels/matmul_bias';
import { TOPK_MAX_K, topkRows } from '../gpu/kernels/topk_rows';
import { LabError } from '../core/errors';
import { edgeFractions } from './cpu/feature_hist';
import { EMPTY_SLOT } from './cpu/feature_stats';
import { type Batches, DEFAULT_FEATURE_STATS, type EncoderSae, type FeatureStats, type FeatureStatsOptions, StatsCancelledError } from './feature-pass';

const F = 4;

/** Architectures the GPU pass encodes (batchtopk's batch-dependent selection runs on the CPU pass). */
export function gpuStatsSupported(sae: EncoderSae): boolean {
  const a = sae.cfg.architecture;
  return a === 'standard' || a === 'jumprelu' || (a === 'topk' && (sae.cfg.k ?? 0) <= TOPK_MAX_K);
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
  if (!gpuStatsSupported(sae)) throw new LabError(`the GPU statistics pass cannot encode a ${sae.cfg.architecture} SAE${sae.cfg.k ? ` with k = ${sae.cfg.k}` : ''}; use the CPU pass`);
  const o = { ...DEFAULT_FEATURE_STATS, ...opts };
  const { d_in: dIn, d_sae: d } = sae.cfg;
  const mode = sae.cfg.architecture as 'standard' | 'jumprelu' | 'topk';
  const k = mode === 'topk' ? sae.cfg.k! : 0;
  const owned: GPUBuffer[] = [];
  const make = (data: ArrayBufferView | number, label: string) => {
    const b = createBuffer(device, data, undefined, `feature-stats.${label}`);
    owned.push(b);
    return b;
  };
  const w = sae.weights;
  const W_enc = make(w.W_enc, 'W_enc');
  const b_enc = make(w.b_enc, 'b_enc');
  const b_dec = make(w.b_dec, 'b_dec');
  const threshold = make(w.threshold ?? new Float32Array(1), 'threshold');
  const x = make(maxBatch * dIn * F, 'x');
  const pre = make(maxBatch * d * F, 'pre');
  const acts = make(maxBatch * d * F, 'acts');
  const idx = make(Math.max(1, maxBatch * k) * F, 'idx');
  const vals = make(Math.max(1, maxBatch * k) * F, 'vals');
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

  const encodeActs = (enc: GPUCommandEncoder, M: number) => {
    const sub = sae.cfg.apply_b_dec_to_input;
    matmulBias(device, { M, K: dIn, N: d, subtractRow: sub }, { a: x, b: W_enc, bias: b_enc, sub: sub ? b_dec : undefined, out: pre }, enc);
    featureActs(device, { M, dSae: d, mode }, { pre, threshold, acts }, enc);
    if (mode === 'topk') {
      topkRows(device, { M, N: d, k, relu: true }, { x: pre, indices: idx, values: vals }, enc);
      featureScatter(device, { M, k, dSae: d }, { idx, vals, acts }, enc);
    }
  };

  let rows = 0;
  try {
    for (const pass of [1, 2]) {
      let done = 0;
      let inFlight: Promise<void> | null = null;
      for await (const b of batches()) {
        if (signal?.aborted) throw new StatsCancelledError('the feature statistics pass was cancelled');
        const M = b.rows.length / dIn;
        if (!Number.isInteger(M) || M < 1 || M > maxBatch) throw new RangeError(`featureStatsGpu: a batch of ${b.rows.length / dIn} rows (max ${maxBatch})`);
        // At most one batch queued behind the one running: the store reads ahead, the queue stays short.
        await inFlight;
        device.queue.writeBuffer(x, 0, b.rows.buffer, b.rows.byteOffset, b.rows.byteLength);
        const enc = device.createCommandEncoder({ label: `feature-stats-pass${pass}` });
        encodeActs(enc, M);
        if (pass === 1) featureStats(device, { M, dSae: d, firstRow: b.firstRow, topN: o.topN }, { acts, ...s1 }, enc);
        else featureHist(device, { M, dSae: d, firstRow: b.firstRow, nBins: o.nBins, nBands: o.nBands, bandSize: o.bandSize }, { acts, maxAct: s1.maxAct, ...s2 }, enc);
        device.queue.submit([enc.finish()]);
        inFlight = device.queue.onSubmittedWorkDone();
        done += M;
        if (pass === 1) rows += M;
        onProgress?.(pass, done);
      }
      await inFlight;
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
    for (const b of owned) b.destroy();
  }
}
