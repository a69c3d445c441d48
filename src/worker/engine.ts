// The in-thread engine: holds the loaded model and answers protocol calls. The worker wraps it;
// Node and tests may use it directly.
import { sameModel } from '../core/model-names';
import { HF_RAW, describeTlSettings } from '../core/tl-settings';
import { LabError, describeError, quotaMessage, withQuota } from '../core/errors';
import { hookNames } from '../core/hooks';
import { parameterCount } from '../core/weights';
import { type Gpt2Model, createGpt2Model, openPrebuiltOnnx } from '../model/gpt2';
import {
  type LoadProgress,
  type LoadedGpt2,
  isOnnxUpload,
  loadGpt2FromFiles,
  loadGpt2FromHub,
  loadGpt2FromUrl,
  loadOnnxFromFiles,
} from '../model/sources';
import type { Args, Engine, Method, ModelInfo, ModelSource, Prediction, ProgressFn, Result } from './protocol';
import { FeatureJobs, type TextModel } from './feature-jobs';
import { openSaeForLive } from '../analysis/sae-registry';
import type { FaithfulnessSummary } from '../analysis/sae-registry';
import { loadSaeLens } from '../sae/saelens';
import type { StoreDb } from '../store/schema';
import { EvalJobs, type EvalModel, type SaeEvalSummary } from './eval-jobs';
import { AttributionJobs, type AttributionModel } from './attribution-jobs';
import { GenerateJobs } from './generate-jobs';
import { type HeldOutHooks, SaeJobs } from './sae-jobs';
import { StreamJobs } from './stream-jobs';
import type { HeldOutFigures } from '../analysis/held-out-evals';
import { evalSkipReason } from './train-report';
import { type ModelAccess, StoreJobs } from './store-jobs';
import { ToyJobs } from './toy-jobs';
import { AttentionJobs, type AttentionModel } from './attention-jobs';
import { topTokens } from '../analysis/top-tokens';
import { tokenLabel, tokenPieces } from '../model/token-text';
import { fitPrompt } from '../core/context-window';

export class NoModelError extends LabError {
  constructor() {
    super('no model is loaded yet: load one first');
  }
}

/** What the engine keeps of a loaded model; weights are absent for a pre-built .onnx. */
type Loaded = Pick<LoadedGpt2, 'id' | 'cfg' | 'tokenizer'> & { weights: LoadedGpt2['weights'] | null };

export class LabEngine implements Engine {
  private loaded: Loaded | null = null;
  private model: Gpt2Model | null = null;
  private harvestNet: { key: string; model: Gpt2Model } | null = null;
  private readonly store = new StoreJobs();
  private readonly saes = new SaeJobs();
  readonly streams = new StreamJobs();
  private readonly features = new FeatureJobs();
  private readonly generation = new GenerateJobs();
  private readonly evals = new EvalJobs();
  private readonly attribution = new AttributionJobs();
  private readonly toy = new ToyJobs();
  private readonly attn = new AttentionJobs();

  async call<M extends Method>(method: M, args: Args<M>, onProgress?: ProgressFn): Promise<Result<M>> {
    const handlers: { [K in Method]: (a: Args<K>) => Promise<Result<K>> } = {
      load: (a) => this.load(a.source, a.options, onProgress),
      predict: async (a) => this.predict(a.text, a.topK, a.prependBos),
      forward: async (a) => this.need().forward(a.ids, { steer: a.steer }),
      tokenize: async (a) => {
        const tok = this.needLoaded().tokenizer;
        const ids = tok.encode(a.text);
        return { ids, tokens: tokenPieces(ids, tok).map((p) => p.text) };
      },
      unload: async () => {
        await this.unload();
        return null;
      },
      createRun: (a) => this.store.createRun(this.access(), a.source, a.options, (detail) => onProgress?.({ phase: 'tokenize', detail })),
      harvest: (a) =>
        this.store.harvest(
          this.access(),
          a.runId,
          a.batchSize ?? 8,
          (detail) => onProgress?.({ phase: 'harvest', detail }),
          (detail) => onProgress?.({ phase: 'shard', detail }),
          a.token,
          (detail) => onProgress?.({ phase: 'tokenize', detail }),
        ),
      pauseHarvest: async (a) => {
        this.store.pause(a.runId);
        return null;
      },
      cancelHarvest: (a) => this.store.cancel(a.runId),
      listRuns: () => this.store.list(),
      deleteRun: async (a) => {
        await this.store.delete(a.runId);
        await this.features.forgetRun(await this.store.db(), a.runId);
        return null;
      },
      rowContext: (a) => this.store.context(a.runId, a.row, this.loaded?.tokenizer ?? null),
      trainSae: async (a) => {
        const db = await this.store.db();
        const summary = await this.saes.train(
          db,
          a,
          (detail) => onProgress?.({ phase: 'train', detail }),
          (detail) => onProgress?.({ phase: 'density', detail }),
          this.heldOutHooks((detail) => onProgress?.({ phase: 'heldout', detail })),
        );
        // The summary says why the faithfulness eval did not run, rather than leaving it out.
        const skipped = this.trainedEvalSkip(summary.modelId);
        if (skipped) return { ...summary, evalsSkipped: skipped };
        try {
          return { ...summary, evals: await this.evalTrained(db, summary.trainingId, summary.runId) };
        } catch (err) {
          return { ...summary, evalsSkipped: `the faithfulness eval failed: ${describeError(err)}` };
        }
      },
      evaluateTraining: async (a) => {
        const db = await this.store.db();
        const record = await db.get('saeTrainings', a.trainingId);
        if (!record?.state) throw new LabError(`training ${a.trainingId} has no checkpoint in this browser`);
        const run = await db.get('runs', record.runId);
        if (!run) throw new LabError(`the run training ${a.trainingId} was trained on is no longer in this browser's store`);
        const skipped = this.trainedEvalSkip(run.modelId);
        if (skipped) throw new LabError(skipped.replace('the faithfulness eval did not run', 'the faithfulness eval cannot run'));
        return this.evalTrained(db, a.trainingId, record.runId, (done, total) => onProgress?.({ phase: 'evaluate', detail: { done, total } }));
      },
      stopTraining: async () => {
        this.saes.stop();
        return null;
      },
      pauseTraining: async (a) => {
        await this.saes.pause(a.paused);
        return null;
      },
      saeFiles: async (a) => this.saes.files(await this.store.db(), a.trainingId),
      saeLensExport: async (a) => this.saes.saeLensExport(await this.store.db(), a.trainingId),
      listTrainings: async () => this.saes.list(await this.store.db()),
      deleteTraining: async (a) => {
        await this.saes.delete(await this.store.db(), a.trainingId);
        return null;
      },
      streamTrain: async (a) => this.streams.train(await this.store.db(), this.access(), a, (detail) => onProgress?.({ phase: 'stream', detail })),
      stopStreamTraining: async () => {
        this.streams.stop();
        return null;
      },
      pauseStreamTraining: async (a) => {
        await this.streams.pause(a.paused);
        return null;
      },
      listStreamTrainings: async () => this.streams.list(await this.store.db()),
      deleteStreamTraining: async (a) => {
        await this.streams.delete(await this.store.db(), a.streamId);
        return null;
      },
      addSae: async (a) =>
        this.features.add(
          await this.store.db(),
          a.source,
          async (id) => this.saes.exportForDashboards(await this.store.db(), id),
          this.loaded,
          (detail) => onProgress?.({ phase: 'download', detail }),
        ),
      listSaes: async () => this.features.list(await this.store.db()),
      deleteSae: async (a) => {
        await this.features.delete(await this.store.db(), a.saeId);
        return null;
      },
      featureStats: async (a) => this.features.computeStats(await this.store.db(), a, this.textModel(), (detail) => onProgress?.({ phase: 'features', detail })),
      cancelFeatureStats: async () => {
        this.features.cancel();
        return null;
      },
      featureTable: async (a) => this.features.table(await this.store.db(), a.saeId, this.textModel()),
      searchFeatures: async (a) => this.features.search(await this.store.db(), a.saeId, a.query, this.textModel()),
      featurePage: async (a) => this.features.page(await this.store.db(), a.saeId, a.feature, a.radius ?? 8, this.textModel()),
      saeMap: async (a) => this.features.map(await this.store.db(), a.saeId),
      evaluateSae: async (a) => {
        const db = await this.store.db();
        const sae = await openSaeForLive(db, a.saeId, this.evalModel());
        const trainedOn = sae.record.source.kind === 'trained' ? ((await db.get('saeTrainings', sae.record.source.trainingId))?.runId ?? null) : null;
        const r = await this.evals.evaluate(db, this.evalModel(), sae, a.runId, trainedOn, a.windows, (done, total) => onProgress?.({ phase: 'evaluate', detail: { done, total } }));
        await withQuota(
          () => db.put('saes', { ...sae.record, evals: summarise(r) as unknown as Record<string, unknown> }),
          () => quotaMessage(`the eval results of SAE ${sae.record.name}`, 'The SAE is kept as it was', 'run the eval again'),
        );
        return (await this.features.list(db)).find((s) => s.id === a.saeId)!;
      },
      generate: async (a) => {
        const loaded = this.needLoaded();
        const model = { id: loaded.id, cfg: loaded.cfg, weights: loaded.weights, tokenizer: loaded.tokenizer, backend: this.need().status.backend };
        return this.generation.generate(await this.store.db(), model, a, (detail) => onProgress?.({ phase: 'generate', detail }));
      },
      attribute: async (a) => this.attribution.attribute(await this.store.db(), this.attributionModel(), a),
      intervene: async (a) => this.attribution.intervene(await this.store.db(), this.attributionModel(), a),
      cancelGenerate: async () => {
        this.generation.cancel();
        return null;
      },
      trainToy: (a) => this.toy.train(a, (detail) => onProgress?.({ phase: 'toy', detail })),
      toySae: (a) => this.toy.sae(a, (detail) => onProgress?.({ phase: 'toy', detail })),
      cancelToy: async () => {
        this.toy.cancel();
        return null;
      },
      attention: async (a) => this.attn.attention(this.attentionModel(), a),
      featureHeadWrites: async (a) => this.attn.headWrites(await this.store.db(), this.attentionModel(), a),
      inspectText: async (a) => this.features.inspect(await this.store.db(), a.saeId, a.text, a.topK ?? 5, this.needTextModel()),
      neuronStats: async (a) => this.features.computeNeuronStats(await this.store.db(), a, this.textModel(), (detail) => onProgress?.({ phase: 'features', detail })),
      neuronTable: async (a) => this.features.neuronTable(await this.store.db(), a.runId, a.hook, this.textModel()),
      searchNeurons: async (a) => this.features.searchNeurons(await this.store.db(), a.runId, a.hook, a.query, this.textModel()),
      neuronPage: async (a) => this.features.neuronPage(await this.store.db(), { ...a, radius: a.radius ?? 8 }, this.textModel()),
    };
    return (handlers[method] as (a: Args<M>) => Promise<Result<M>>)(args);
  }

  private need(): Gpt2Model {
    if (!this.model) throw new NoModelError();
    return this.model;
  }

  private needLoaded(): Loaded {
    if (!this.loaded) throw new NoModelError();
    return this.loaded;
  }

  private evalModel(): EvalModel {
    const loaded = this.needLoaded();
    return { id: loaded.id, cfg: loaded.cfg, weights: loaded.weights, backend: this.need().status.backend };
  }

  private attributionModel(): AttributionModel {
    const loaded = this.needLoaded();
    return { id: loaded.id, cfg: loaded.cfg, weights: loaded.weights, tokenizer: loaded.tokenizer, backend: this.need().status.backend };
  }

  /** The loaded model for the attention view: its settings are the main model's own (whatever load built it with). */
  private attentionModel(): AttentionModel {
    const loaded = this.needLoaded();
    const main = this.need();
    return { id: loaded.id, cfg: loaded.cfg, weights: loaded.weights, tokenizer: loaded.tokenizer, backend: main.status.backend, tl: main.tl };
  }

  /** Why a training on `runModelId`'s activations cannot be evaluated with the model loaded now (null: it can). */
  private trainedEvalSkip(runModelId: string): string | null {
    const loaded = this.loaded && this.model ? this.loaded : null;
    return evalSkipReason(loaded && { id: loaded.id, hasWeights: !!loaded.weights, sameModel: sameModel(runModelId, loaded.id) }, runModelId);
  }

  /**
   * What a training's held-out figures need from the engine: CE and KL run on the eval model when the loaded model
   * is the run's (with its weights), and FVU/L0 leave out the loaded model's BOS and end-of-text rows.
   */
  private heldOutHooks(onFigures: (f: HeldOutFigures) => void): HeldOutHooks {
    const cfg = this.loaded?.cfg;
    return {
      onFigures,
      excludeTokens: cfg ? [cfg.bosTokenId, cfg.eosTokenId] : undefined,
      faithfulness: (runModelId) => {
        const skipped = this.trainedEvalSkip(runModelId);
        if (skipped) return skipped.replace('the faithfulness eval did not run: ', '').replace(/, then run the faithfulness eval$/, '');
        const m = this.evalModel();
        return (sae, windows) => this.evals.faithfulness(m, sae, windows);
      },
    };
  }

  /** A training's faithfulness on the first windows of its own run (the summary says so); trainedEvalSkip first. */
  private async evalTrained(db: StoreDb, trainingId: string, runId: string, onProgress?: (done: number, total: number) => void): Promise<FaithfulnessSummary> {
    const files = await this.saes.files(db, trainingId);
    const sae = loadSaeLens({ cfgJson: JSON.parse(files['cfg.json']), weights: files['sae_weights.safetensors'] });
    return summarise(await this.evals.evaluate(db, this.evalModel(), sae, runId, runId, 8, onProgress));
  }

  /** The loaded model as the feature pages use it (token strings, logit tables, hook activations of a prompt). */
  private textModel(): TextModel | null {
    const loaded = this.loaded;
    if (!loaded) return null;
    return {
      id: loaded.id,
      tokenizer: loaded.tokenizer,
      bosTokenId: loaded.cfg.bosTokenId,
      vocabSize: loaded.cfg.vocabSize,
      cfg: loaded.cfg,
      weights: loaded.weights,
      hookActivations: async (hook, ids) => {
        const model = await this.access().harvestModel([hook]);
        const out = await model.forward([ids]);
        return out.hooks[hook].data;
      },
    };
  }

  private needTextModel(): TextModel {
    const m = this.textModel();
    if (!m) throw new NoModelError();
    return m;
  }

  private async unload(): Promise<void> {
    await this.model?.dispose();
    await this.harvestNet?.model.dispose();
    await this.generation.dispose();
    await this.evals.dispose();
    await this.attribution.dispose();
    await this.attn.dispose();
    this.model = null;
    this.harvestNet = null;
    this.loaded = null;
  }

  /** The loaded model as the store needs it: a second session exposing the run's hooks, no logits. */
  private access(): ModelAccess {
    const loaded = this.needLoaded();
    const main = this.need();
    return {
      id: loaded.id,
      cfg: loaded.cfg,
      tokenizer: loaded.tokenizer,
      harvestModel: async (hooks, tl = HF_RAW) => {
        const key = `${hooks.join(',')}|${describeTlSettings(tl)}`;
        if (this.harvestNet?.key === key) return this.harvestNet.model;
        if (!loaded.weights) throw new LabError('harvesting needs a model loaded from safetensors (a pre-built .onnx has fixed outputs)');
        await this.harvestNet?.model.dispose();
        const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: main.status.backend, hooks, logits: 'none', modelId: loaded.id, tl });
        this.harvestNet = { key, model };
        return model;
      },
    };
  }

  private async load(source: ModelSource, options: Args<'load'>['options'], onProgress?: ProgressFn): Promise<ModelInfo> {
    const download = { onProgress: (detail: LoadProgress) => onProgress?.({ phase: 'download', detail }) };
    // The previous model stays usable until the new one has loaded: a failed load loses nothing.
    let loaded: Loaded;
    let model: Gpt2Model;
    if (source.kind === 'files' && isOnnxUpload(source.files)) {
      const onnx = await loadOnnxFromFiles(source.files);
      onProgress?.({ phase: 'session', message: 'opening the pre-built .onnx' });
      model = await openPrebuiltOnnx(onnx.onnx, onnx.cfg, options.backend, options.steerAt);
      loaded = { ...onnx, weights: null };
    } else {
      const ckpt =
        source.kind === 'url'
          ? await loadGpt2FromUrl(source.id, source.baseUrl, download)
          : source.kind === 'hub'
            ? await loadGpt2FromHub(source.repo, { ...download, hubUrl: source.hubUrl, revision: source.revision })
            : await loadGpt2FromFiles(source.files);
      onProgress?.({ phase: 'build', message: 'building the ONNX graph and opening the session' });
      model = await createGpt2Model(ckpt.weights, ckpt.cfg, { ...options, modelId: ckpt.id });
      loaded = ckpt;
    }
    await this.unload();
    this.loaded = loaded;
    this.model = model;
    onProgress?.({ phase: 'ready', message: `${loaded.id} ready on ${model.status.backend}` });
    return {
      id: loaded.id,
      cfg: loaded.cfg,
      parameters: loaded.weights ? parameterCount(loaded.weights) : null,
      status: model.status,
      timings: model.timings,
      hooks: model.hooks,
      allHooks: hookNames(loaded.cfg.nLayer),
      steerAt: model.steerAt,
    };
  }

  private async predict(text: string, topK: number, prependBos: boolean): Promise<Prediction> {
    const { tokenizer, cfg } = this.needLoaded();
    const prompt = tokenizer.encode(text);
    // A prompt longer than the context keeps BOS and its last tokens, and the prediction says what was cut.
    const { ids: window, cut } = fitPrompt(prompt, { nPositions: cfg.nPositions, bos: prependBos || prompt.length === 0 ? cfg.bosTokenId : null });
    const out = await this.need().forward([window]);
    const V = cfg.vocabSize;
    const T = window.length;
    const last = out.logits ? out.logits.data.subarray((T - 1) * V, T * V) : out.logitsLast!.data;
    const pieces = tokenPieces(window, tokenizer);
    return { ids: window, tokens: pieces.map((p) => p.text), joins: pieces.map((p) => p.join), cut, top: topTokens(last, topK, (i) => tokenLabel(i, tokenizer)) };
  }
}

/** The figures a list or a summary shows (the full result has more). */
function summarise(r: SaeEvalSummary): FaithfulnessSummary {
  const { runId, runName, trainingRun, windows, predictions, ceClean, ceSae, ceZero, ceLossRecovered, klCleanSae, fvu, l0 } = r;
  return { runId, runName, trainingRun, windows, predictions, ceClean, ceSae, ceZero, ceLossRecovered, klCleanSae, fvu, l0 };
}
