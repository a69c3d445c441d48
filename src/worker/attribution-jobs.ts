// Attribution in the engine: a prompt and a target token → the SAE's features and the model's MLP neurons ranked by
// their contribution to the target's logit (src/analysis/attribution/), and one-click interventions that check it.
// The attribution model (hooks for the decomposition, steering at the SAE's hook, a KV cache) and, for neuron
// interventions, a model steering at that neuron's layer are built on demand and kept while they are reused.
import { LabError } from '../core/errors';
import { type PromptCut, fitPrompt } from '../core/context-window';
import type { Gpt2Config } from '../core/config';
import type { Gpt2Weights } from '../core/weights';
import { type Attribution, type AttributionSae, type FeatureAttributor, attributePrediction, attributionModelOptions, cpuFeatureAttributor, topByMagnitude } from '../analysis/attribution/attribute';
import { GpuFeatureAttributor, gpuAttributionSupported } from '../analysis/attribution/features-gpu';
import { intervene } from '../analysis/attribution/intervene';
import { topTokens } from '../analysis/top-tokens';
import { type OpenedSae, openSaeForLive } from '../analysis/sae-registry';
import { adapterName, requestDevice } from '../gpu/device';
import { type Gpt2Model, createGpt2Model } from '../model/gpt2';
import type { Gpt2BuildOptions } from '../model/gpt2-onnx';
import type { Backend } from '../model/runtime';
import type { Gpt2Tokenizer } from '../model/tokenizer';
import { tokenLabel, tokenPieces, visibleText } from '../model/token-text';
import { listRuns } from '../store/runs';
import type { StoreDb } from '../store/schema';
import type { AttributionRequest, AttributionRow, AttributionView, InterventionRequest, InterventionView } from './protocol';

export interface AttributionModel {
  id: string;
  cfg: Gpt2Config;
  weights: Gpt2Weights | null;
  tokenizer: Gpt2Tokenizer;
  backend: Backend;
}

const DEFAULT_TOP = 20;

export class AttributionJobs {
  private readonly net = new ModelSlot();
  private readonly neuronNet = new ModelSlot();
  private attributor: { key: string; a: FeatureAttributor } | null = null;

  async attribute(db: StoreDb, m: AttributionModel, req: AttributionRequest): Promise<AttributionView> {
    const sae = await this.saeFor(db, m, req.saeId);
    const { ids, cut } = promptIds(m, req.prompt);
    const model = await this.model(m, sae.cfg.hook_name);
    const target = req.target === undefined || req.target === null ? null : targetId(m, req.target);
    const a = await attributePrediction(model, m.weights!, sae, ids, target, await this.featureAttributor(sae, req.device ?? 'auto'));
    const stats = await db.get('featureStats', req.saeId);
    return view(a, m, sae, req.prompt, ids, cut, req.topK ?? DEFAULT_TOP, await neuronRuns(db, m, stats?.runId ?? null));
  }

  async intervene(db: StoreDb, m: AttributionModel, req: InterventionRequest): Promise<InterventionView> {
    const sae = await this.saeFor(db, m, req.saeId);
    const { ids } = promptIds(m, req.prompt);
    const target = targetId(m, req.target);
    const model = req.unit.kind === 'feature' ? await this.model(m, sae.cfg.hook_name) : await this.neuronModel(m, `blocks.${req.unit.layer}.mlp.hook_post`);
    const r = await intervene(model, ids, target, { unit: req.unit, mode: req.mode, value: req.value, positions: req.positions }, sae);
    const text = (id: number) => tokenLabel(id, m.tokenizer);
    return { target, before: r.before, after: r.after, activation: r.activation, predictionsBefore: topTokens(r.logitsBefore, 5, text), predictionsAfter: topTokens(r.logitsAfter, 5, text) };
  }

  private async saeFor(db: StoreDb, m: AttributionModel, saeId: string): Promise<OpenedSae> {
    if (!m.weights) throw new LabError('attribution needs a model loaded from safetensors (it reads the weights)');
    return openSaeForLive(db, saeId, m);
  }

  /** The attribution model of an SAE hook (its hooks, steering there, a KV cache). */
  private model(m: AttributionModel, hook: string): Promise<Gpt2Model> {
    return this.net.get(m, hook, attributionModelOptions(hook, m.cfg));
  }

  /** A model that steers at (and exposes) one MLP layer's neurons, for neuron interventions. */
  private neuronModel(m: AttributionModel, hook: string): Promise<Gpt2Model> {
    return this.neuronNet.get(m, hook, { steerAt: hook, hooks: [hook], logits: 'last' });
  }

  /** The GPU attributor unless asked for the CPU, the SAE cannot be encoded there, or the adapter is software. */
  private async featureAttributor(sae: OpenedSae, device: 'gpu' | 'cpu' | 'auto'): Promise<FeatureAttributor> {
    const key = `${sae.record.id}|${device}`;
    if (this.attributor?.key === key) return this.attributor.a;
    this.attributor?.a.dispose();
    this.attributor = null;
    let a: FeatureAttributor = cpuFeatureAttributor(sae);
    if (device !== 'cpu' && gpuAttributionSupported(sae)) {
      try {
        const gpu = await requestDevice({ label: 'attribution' });
        // SwiftShader emulates the GPU on the CPU, slower than the plain loops: 'auto' keeps to those there.
        if (device === 'gpu' || !/swiftshader|software/i.test(adapterName(gpu))) a = new GpuFeatureAttributor(gpu, sae);
      } catch (err) {
        if (device === 'gpu') throw err;
      }
    }
    this.attributor = { key, a };
    return a;
  }

  async dispose(): Promise<void> {
    await this.net.clear();
    await this.neuronNet.clear();
    this.attributor?.a.dispose();
    this.attributor = null;
  }
}

/** One built model kept while requests keep asking for the same (model, hook, backend); replaced otherwise. */
class ModelSlot {
  private held: { key: string; model: Gpt2Model } | null = null;

  async get(m: AttributionModel, hook: string, opts: Gpt2BuildOptions): Promise<Gpt2Model> {
    const key = `${m.id}|${hook}|${m.backend}`;
    if (this.held?.key === key) return this.held.model;
    await this.clear();
    const model = await createGpt2Model(m.weights!, m.cfg, { backend: m.backend, modelId: m.id, ...opts });
    this.held = { key, model };
    return model;
  }

  async clear(): Promise<void> {
    await this.held?.model.dispose();
    this.held = null;
  }
}

/** Per layer, a run of this model storing blocks.{l}.mlp.hook_post: the SAE's statistics run first, then any other. */
async function neuronRuns(db: StoreDb, m: AttributionModel, preferred: string | null): Promise<(string | null)[]> {
  const runs = (await listRuns(db)).filter((r) => r.modelId === m.id).sort((a, b) => Number(b.id === preferred) - Number(a.id === preferred));
  return Array.from({ length: m.cfg.nLayer }, (_, l) => runs.find((r) => r.hooks.some((h) => h.name === `blocks.${l}.mlp.hook_post`))?.id ?? null);
}

/** BOS, then the prompt's tokens (the last nPositions − 1 of them), and what was cut. */
function promptIds(m: AttributionModel, prompt: string) {
  return fitPrompt(m.tokenizer.encode(prompt), { nPositions: m.cfg.nPositions, bos: m.cfg.bosTokenId });
}

/** A token id, or a text that must be exactly one token (e.g. " whale"). */
function targetId(m: AttributionModel, target: number | string): number {
  if (typeof target === 'number') {
    if (!(Number.isInteger(target) && target >= 0 && target < m.cfg.vocabSize)) throw new LabError(`target token ${target} is outside the vocabulary (0…${m.cfg.vocabSize - 1})`);
    return target;
  }
  const ids = m.tokenizer.encode(target);
  if (ids.length !== 1) throw new LabError(`the target “${visibleText(target)}” is ${ids.length} tokens (${tokenPieces(ids, m.tokenizer).map((p) => `“${p.text}”`).join(' ')}); pick a single token`);
  return ids[0];
}

function view(a: Attribution, m: AttributionModel, sae: OpenedSae, prompt: string, ids: number[], cut: PromptCut | null, k: number, neuronRunIds: (string | null)[]): AttributionView {
  const text = (id: number) => tokenLabel(id, m.tokenizer);
  const rows = (acts: Float32Array, dla: Float32Array, grad: Float32Array) => {
    const picked = new Set([...topByMagnitude(dla, k), ...topByMagnitude(grad, k)]);
    return [...picked].map((i): AttributionRow => ({ index: i, act: acts[i], dla: dla[i], grad: grad[i] }));
  };
  return {
    saeId: sae.record.id,
    saeName: sae.record.name,
    hook: a.hook,
    prompt,
    cut,
    ids,
    tokens: tokenPieces(ids, m.tokenizer).map((p) => p.text),
    target: { id: a.target, token: text(a.target) },
    predictions: topTokens(a.logits, 10, text),
    neuronRuns: neuronRunIds,
    logit: a.logit,
    recomputedLogit: a.recomputedLogit,
    dlaSum: a.dlaSum,
    sigma: a.sigma,
    terms: a.terms,
    activeFeatures: a.features.acts.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0),
    features: rows(a.features.acts, a.features.dla, a.features.grad),
    neurons: rows(a.neurons.acts, a.neurons.dla, a.neurons.grad).map((r) => ({ ...r, layer: Math.floor(r.index / a.neurons.inner), neuron: r.index % a.neurons.inner })),
    device: a.device,
    ms: a.ms,
  };
}
