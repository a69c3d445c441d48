// In-page half of `npm run bench:features`: the feature statistics pass (both passes) over random activation rows
// through a random TopK SAE, on WebGPU (src/analysis/feature-stats-gpu.ts) and on the CPU (src/analysis/feature-pass.ts,
// the plain-loop encoder + the stats kernels' twins), in the same page.
import { featureStatsCpu } from '../../src/analysis/feature-pass';
import { featureStatsGpu } from '../../src/analysis/feature-stats-gpu';
import { createOnnxEncoder } from '../../src/analysis/onnx-encoder';
import { adapterName, requestDevice } from '../../src/gpu/device';
import { type SaeConfig, initSae } from '../../src/sae/sae';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';
import { type TopTable, decoderDirections, nearestByCosine, topOfRow } from '../../src/analysis/cosines';
import { correlationPass } from '../../src/analysis/correlations';
import { featureMap } from '../../src/analysis/feature-map';
import { createOnnxDots } from '../../src/analysis/onnx-matmul';

export interface FeaturesBenchRequest {
  dIn: number;
  dSae: number;
  k: number;
  rows: number; //    GPU pass
  cpuRows: number; // CPU pass
  batch: number;
}

export interface FeaturesBenchResult {
  adapter: string;
  gpuMsPerRow: number;
  cpuMsPerRow: number; //     plain-JS encoder
  onnxMsPerRow: number; //    encoder matmul on onnxruntime wasm (what the app's CPU pass uses)
  warmupMs: number;
}

export interface TablesBenchRequest {
  dIn: number;
  dSae: number;
  k: number;
  rows: number; //   correlation pass rows
  batch: number;
  /** Blocks of 256 directions whose dots are timed (all of them when ≥ d_sae / 256). */
  cosineBlocks: number;
  /** UMAP on the exact nearest table (needs every block) instead of a random neighbour graph of the same size. */
  exactKnn: boolean;
}

export interface TablesBenchResult {
  /** One nearest-by-cosine table (d_sae² dots, wasm matmul), ms: measured on cosineBlocks blocks, scaled to all. */
  cosineTableMs: number;
  cosineBlocksTimed: number;
  cosineBlocksAll: number;
  /** The correlation pass (48 candidates a feature), ms per row: with the wasm encoder, and its sums alone. */
  correlationMsPerRow: number;
  correlationSumsMsPerRow: number;
  umapMs: number;
  umapEpochs: number;
  knn: 'exact' | 'random';
}

/**
 * The feature tables' costs at a width: the cosine table's block product (wasm), the correlation pass over random rows
 * through a random TopK SAE, and the UMAP layout of d_sae points. For a random decoder (near-orthogonal rows) the
 * nearest neighbours are themselves near-random, so unless exactKnn the layout runs on a random 15-neighbour graph
 * with the same number of edges (the layout's cost depends on the edges, not on which points they join).
 */
export async function benchTables(r: TablesBenchRequest): Promise<TablesBenchResult> {
  const { sae, batches } = setup(r as unknown as FeaturesBenchRequest, r.rows);
  const d = r.dSae;
  const u = decoderDirections(sae.weights.W_dec, d, r.dIn);
  const dots = await createOnnxDots(u, d, r.dIn);
  const all = Math.ceil(d / 256);
  const blocks = r.exactKnn ? all : Math.min(all, r.cosineBlocks);
  await dots.dots(0, 8); // warm-up
  let t = performance.now();
  let table: TopTable | null = null;
  if (blocks === all) table = await nearestByCosine(d, 16, dots.dots);
  else {
    // The same work as nearestByCosine on the first `blocks` blocks: each block's dots, then each row's top 16.
    const index = new Int32Array(256 * 16);
    const value = new Float32Array(256 * 16);
    for (let b = 0; b < blocks; b++) {
      const out = await dots.dots(b * 256, 256);
      for (let row = 0; row < 256; row++) topOfRow(out, row * d, d, b * 256 + row, 16, index, value, row * 16);
    }
  }
  const cosineMs = ((performance.now() - t) * all) / blocks;
  await dots.dispose();

  const rand = mulberry32(7);
  const C = 48;
  const cand = Int32Array.from({ length: d * C }, () => Math.floor(rand() * d));
  const enc = await createOnnxEncoder(sae);
  t = performance.now();
  await correlationPass({ dIn: r.dIn, dSae: d }, batches, (x, n) => enc.acts(x, n), { C, cand }, 16);
  const correlationMsPerRow = (performance.now() - t) / r.rows;
  // The sums alone: activations encoded beforehand.
  const pre: Float32Array[] = [];
  for await (const b of batches()) pre.push(await enc.acts(b.rows, b.rows.length / r.dIn));
  await enc.dispose();
  let i = 0;
  t = performance.now();
  await correlationPass({ dIn: r.dIn, dSae: d }, batches, () => pre[i++], { C, cand }, 16);
  const correlationSumsMsPerRow = (performance.now() - t) / r.rows;

  if (!table) {
    const n = 16;
    const normal = gaussian(mulberry32(8));
    const index = new Int32Array(d * n);
    const value = new Float32Array(d * n);
    for (let f = 0; f < d; f++) {
      const v = Array.from({ length: n }, () => Math.abs(normal()) / Math.sqrt(r.dIn)).sort((a, b) => b - a);
      for (let j = 0; j < n; j++) {
        index[f * n + j] = (f + 1 + Math.floor(rand() * (d - 1))) % d;
        value[f * n + j] = v[j];
      }
    }
    table = { n, index, value };
  }
  let epochs = 0;
  t = performance.now();
  await featureMap(table, d, {}, (e, all) => (epochs = all));
  return { cosineTableMs: cosineMs, cosineBlocksTimed: blocks, cosineBlocksAll: all, correlationMsPerRow, correlationSumsMsPerRow, umapMs: performance.now() - t, umapEpochs: epochs, knn: r.exactKnn ? 'exact' : 'random' };
}

function setup(r: FeaturesBenchRequest, rows: number) {
  const cfg: SaeConfig = { architecture: 'topk', d_in: r.dIn, d_sae: r.dSae, k: r.k, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: 'blocks.6.hook_resid_post', model_name: 'bench', context_size: 128, prepend_bos: true };
  const sae = { cfg, weights: initSae(cfg, 1) };
  const normal = gaussian(mulberry32(2));
  const x = Float32Array.from({ length: rows * r.dIn }, () => normal());
  const batches = () =>
    (async function* () {
      for (let at = 0; at < rows; at += r.batch) yield { rows: x.slice(at * r.dIn, Math.min(rows, at + r.batch) * r.dIn), firstRow: at };
    })();
  return { sae, batches };
}

export async function benchFeatures(r: FeaturesBenchRequest): Promise<FeaturesBenchResult> {
  const device = await requestDevice({ label: 'bench-features' });
  const warm = setup(r, Math.min(r.batch, 8));
  let t = performance.now();
  await featureStatsGpu(device, warm.sae, warm.batches, {}, undefined, undefined, r.batch); // compiles the pipelines
  const warmupMs = performance.now() - t;
  const gpu = setup(r, r.rows);
  t = performance.now();
  await featureStatsGpu(device, gpu.sae, gpu.batches, {}, undefined, undefined, r.batch);
  const gpuMsPerRow = (performance.now() - t) / r.rows;
  const cpu = setup(r, r.cpuRows);
  t = performance.now();
  await featureStatsCpu(cpu.sae, cpu.batches);
  const cpuMsPerRow = (performance.now() - t) / r.cpuRows;
  const onnxRows = setup(r, r.rows);
  const enc = await createOnnxEncoder(onnxRows.sae);
  t = performance.now();
  await featureStatsCpu(onnxRows.sae, onnxRows.batches, {}, undefined, undefined, (x, n) => enc.acts(x, n));
  const onnxMsPerRow = (performance.now() - t) / r.rows;
  await enc.dispose();
  return { adapter: adapterName(device), gpuMsPerRow, cpuMsPerRow, onnxMsPerRow, warmupMs };
}
