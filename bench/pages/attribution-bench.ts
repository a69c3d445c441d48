// In-page half of `npm run bench:attribution`: one prediction attributed over every feature of an SAE, with the
// per-feature pass on WebGPU (GpuFeatureAttributor) and on its CPU twin (cpuFeatureAttributor), the same model,
// prompt and target for both; medians of interleaved runs, split into the phases of attributePrediction.
import { type Attribution, type FeatureAttributor, attributePrediction, attributionModelOptions, cpuFeatureAttributor } from '../../src/analysis/attribution/attribute';
import { GpuFeatureAttributor } from '../../src/analysis/attribution/features-gpu';
import { adapterName, requestDevice } from '../../src/gpu/device';
import { createGpt2Model } from '../../src/model/gpt2';
import { loadGpt2FromHub } from '../../src/model/sources';
import { type SaeConfig, initSae } from '../../src/sae/sae';

export interface AttributionBenchRequest {
  hubUrl: string;
  repo: string;
  hook: string;
  dSae: number;
  k: number;
  tokens: number; // prompt length, BOS included
  runs: number;
}

type Phases = Attribution['ms'] & { total: number };

export interface AttributionBenchResult {
  adapter: string;
  dIn: number;
  gpu: Phases;
  cpu: Phases;
  /** max |GPU − CPU| over the features' DLA and a×g, relative to the largest |value|: the two agree. */
  agreement: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchAttribution(req: AttributionBenchRequest): Promise<AttributionBenchResult> {
  const { weights, cfg } = await loadGpt2FromHub(req.repo, { hubUrl: req.hubUrl });
  const dIn = cfg.nEmbd;
  const saeCfg: SaeConfig = { architecture: 'topk', d_in: dIn, d_sae: req.dSae, k: req.k, dtype: 'float32', apply_b_dec_to_input: true, normalize_activations: 'none', hook_name: req.hook, model_name: req.repo, context_size: 128, prepend_bos: true };
  const sae = { cfg: saeCfg, weights: initSae(saeCfg, 1) };
  const model = await createGpt2Model(weights, cfg, { backend: 'wasm', ...attributionModelOptions(req.hook, cfg) });
  const device = await requestDevice({ label: 'attribution-bench' });
  const attributors: Record<'gpu' | 'cpu', FeatureAttributor> = { gpu: new GpuFeatureAttributor(device, sae), cpu: cpuFeatureAttributor(sae) };
  const ids = Array.from({ length: req.tokens }, (_, i) => (i === 0 ? cfg.bosTokenId : (i * 7919) % cfg.vocabSize));
  const target = 11;
  const samples: Record<'gpu' | 'cpu', Phases[]> = { gpu: [], cpu: [] };
  const last: Partial<Record<'gpu' | 'cpu', Attribution>> = {};
  try {
    for (let run = -1; run < req.runs; run++) {
      for (const which of ['gpu', 'cpu'] as const) {
        const t0 = performance.now();
        const a = await attributePrediction(model, weights, sae, ids, target, attributors[which]);
        const total = performance.now() - t0;
        if (run >= 0) samples[which].push({ ...a.ms, total }); // run −1 warms pipelines and sessions up
        last[which] = a;
      }
    }
  } finally {
    attributors.gpu.dispose();
    await model.dispose();
  }
  const med = (xs: Phases[]): Phases => ({
    forward: median(xs.map((x) => x.forward)),
    gradient: median(xs.map((x) => x.gradient)),
    features: median(xs.map((x) => x.features)),
    neurons: median(xs.map((x) => x.neurons)),
    total: median(xs.map((x) => x.total)),
  });
  const g = last.gpu!.features;
  const c = last.cpu!.features;
  let scale = 0;
  let diff = 0;
  for (let f = 0; f < req.dSae; f++) {
    scale = Math.max(scale, Math.abs(c.dla[f]), Math.abs(c.grad[f]));
    diff = Math.max(diff, Math.abs(g.dla[f] - c.dla[f]), Math.abs(g.grad[f] - c.grad[f]));
  }
  return { adapter: adapterName(device), dIn, gpu: med(samples.gpu), cpu: med(samples.cpu), agreement: diff / (scale || 1) };
}
