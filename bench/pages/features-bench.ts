// In-page half of `npm run bench:features`: the feature statistics pass (both passes) over random activation rows
// through a random TopK SAE, on WebGPU (src/analysis/feature-stats-gpu.ts) and on the CPU (src/analysis/feature-pass.ts,
// the plain-loop encoder + the stats kernels' twins), in the same page.
import { featureStatsCpu } from '../../src/analysis/feature-pass';
import { featureStatsGpu } from '../../src/analysis/feature-stats-gpu';
import { createOnnxEncoder } from '../../src/analysis/onnx-encoder';
import { adapterName, requestDevice } from '../../src/gpu/device';
import { type SaeConfig, initSae } from '../../src/sae/sae';
import { gaussian, mulberry32 } from '../../src/sae/train/rng';

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
