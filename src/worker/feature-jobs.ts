// Feature dashboards inside the engine: registering SAEs, the statistics pass over a run (GPU or CPU twin,
// saved with the SAE), the feature table for the browser, token search, feature pages, and per-token inspection of
// text. A hook's raw units (neurons) are a second kind of unit set: the same pass with the identity as encoder, kept
// in the same store under a run-and-hook key, served by the same table, search and page code.
import { catalogueRelease, loadCatalogueSae, neuronpediaUrl } from '../sae/catalogue';
import type { LoadProgress } from '../model/sources';
import { sameModel } from '../core/model-names';
import type { Gpt2Config } from '../core/config';
import { LabError, quotaMessage, withQuota } from '../core/errors';
import { fitPrompt } from '../core/context-window';
import type { Gpt2Weights } from '../core/weights';
import { type UnitActivations, exampleStrips } from '../analysis/contexts';
import { type ActsOf, type Batches, type EncoderSae, type FeatureStats, type FeatureStatsOptions, featureStatsCpu, slotList, unitStatsCpu } from '../analysis/feature-pass';
import { DEFAULT_TABLES, type FeatureTables, featureTables, nearestOf } from '../analysis/feature-tables';
import { type FeatureMap, featureMap } from '../analysis/feature-map';
import { decoderDirections, topRow } from '../analysis/cosines';
import { createOnnxDots } from '../analysis/onnx-matmul';
import { decoderNormsSq, featuresOnUnit, identityActs, isNeuronSetKey, neuronSetKey, outputDirection, residualDirection, unitColumn, unitsOfFeature } from '../analysis/neurons';
import { createOnnxEncoder } from '../analysis/onnx-encoder';
import { BatchTopkCapError, GpuEncoder, featureStatsGpu, gpuActs, gpuStatsSupported } from '../analysis/feature-stats-gpu';
import { logitEffect, topEffects } from '../analysis/logit-effects';
import { adapterName, requestDevice } from '../gpu/device';
import { type OpenedSae, type SaeInfo, addSae, addSaeLensFiles, deleteSae, listSaes, openSae, openSaeFor, openSaeForLive, runContext } from '../analysis/sae-registry';
import type { Gpt2Tokenizer } from '../model/tokenizer';
import { type TokenBytes, bytesToLatin1, latin1ToBytes, tokenLabel, tokenPieces } from '../model/token-text';
import { type UnitSearch, searchRadius, searchUnits } from '../analysis/token-search';
import { encode } from '../sae/sae';
import { loadSaeLensFromHub } from '../sae/saelens';
import { RunReader } from '../store/reader';
import { APP_VERSION, type FeatureStatsRecord, type StoreDb } from '../store/schema';
import type { FeaturePageData, FeatureStatsProgress, FeatureTable, FeatureTablesView, InspectResult, NeuronPageData, NeuronTable, SaeMapData, SaeSource } from './protocol';

export class NoFeatureStatsError extends LabError {}

const STATS_BATCH = 256;
const SEARCH_LIMIT = 200;
const LOADINGS_SHOWN = 12;

/** The model the pages need: token strings, and for logit tables the embedding and ln_f's weight γ. */
export interface TextModel {
  id: string;
  tokenizer: Gpt2Tokenizer;
  bosTokenId: number;
  vocabSize: number;
  cfg: Gpt2Config;
  weights: Gpt2Weights | null;
  /** Activations of `hook` for one window of token ids: [T, dim]. */
  hookActivations(hook: string, ids: number[]): Promise<Float32Array>;
}

export class FeatureJobs {
  private control: AbortController | null = null;
  private statsCache = new Map<string, FeatureStatsRecord>();
  /** The open SAE's encoder on the GPU (feature pages re-encode their context tokens), when WebGPU is there. */
  private gpuEncoder: { saeId: string; encoder: GpuEncoder } | null = null;
  /** ‖W_dec[f]‖² [d_sae] of the SAE whose loadings neuron pages last showed: every page of a hook needs them all. */
  private decoderNorms: { saeId: string; normsSq: Float64Array } | null = null;

  async add(
    db: StoreDb,
    source: SaeSource,
    exportTrained: (trainingId: string) => Promise<{ 'cfg.json': string; 'sae_weights.safetensors': Uint8Array; name: string }>,
    model: { id: string; cfg: Gpt2Config } | null = null,
    onDownload?: (p: LoadProgress) => void,
  ): Promise<SaeInfo> {
    let id: string;
    if (source.kind === 'training') {
      const files = await exportTrained(source.trainingId);
      id = (await addSaeLensFiles(db, files['cfg.json'], files['sae_weights.safetensors'], files.name, { kind: 'trained', trainingId: source.trainingId }, model)).id;
    } else if (source.kind === 'files') {
      id = (await addSaeLensFiles(db, source.cfgJson, source.weights, source.name, { kind: 'files', names: ['cfg.json', 'sae_weights.safetensors'] }, model)).id;
    } else if (source.kind === 'catalogue') {
      // Checked against its own model before the weights download (hook, d_in): the loaded one when that is the
      // release's, else the release's config. Stored either way: its row says which model to load (src/analysis/sae-fit.ts).
      const release = catalogueRelease(source.release);
      const own = model && sameModel(model.id, release.model) ? { model: model.cfg } : {};
      const sae = await loadCatalogueSae(source.release, source.saeId, { hubUrl: source.hubUrl, onProgress: onDownload, ...own });
      const { repo_id } = release;
      const from = { kind: 'catalogue' as const, release: source.release, saeId: source.saeId, repo: repo_id, path: sae.entry.path, neuronpedia: sae.neuronpediaId };
      id = (await addSae(db, sae, `${source.release} · ${source.saeId}`, from)).id;
    } else {
      const sae = await loadSaeLensFromHub(source.repo, source.path, { hubUrl: source.hubUrl });
      id = (await addSae(db, sae, `${source.repo}/${source.path}`, { kind: 'hub', repo: source.repo, path: source.path }, model)).id;
    }
    return (await listSaes(db)).find((s) => s.id === id)!;
  }

  list(db: StoreDb): Promise<SaeInfo[]> {
    return listSaes(db);
  }

  async delete(db: StoreDb, saeId: string): Promise<void> {
    this.statsCache.delete(saeId);
    if (this.decoderNorms?.saeId === saeId) this.decoderNorms = null;
    if (this.gpuEncoder?.saeId === saeId) {
      this.gpuEncoder.encoder.destroy();
      this.gpuEncoder = null;
    }
    await deleteSae(db, saeId);
  }

  /** The statistics pass of an SAE over a run's rows of its hook; saved with the SAE (replacing an older pass). */
  async computeStats(
    db: StoreDb,
    a: { saeId: string; runId: string; device: 'gpu' | 'cpu'; topN?: number },
    model: TextModel | null,
    onProgress: (p: FeatureStatsProgress) => void,
  ): Promise<SaeInfo> {
    const reader = await RunReader.open(db, a.runId);
    // The run's activations may follow other TransformerLens settings than the SAE's: converted exactly, or refused.
    const sae = await openSaeFor(db, a.saeId, runContext(reader.run, model));
    const hook = sae.cfg.hook_name;
    const dim = reader.run.hooks.find((h) => h.name === hook)?.dim;
    if (dim === undefined) throw new LabError(`run ${reader.run.name} did not store ${hook}, the hook this SAE reads; harvest a run with it`);
    if (dim !== sae.cfg.d_in) throw new LabError(`run ${reader.run.name} stores ${hook} with ${dim} dimensions but the SAE expects d_in = ${sae.cfg.d_in}`);
    const opts: Partial<FeatureStatsOptions> = a.topN ? { topN: a.topN } : {};
    const encoder = { cfg: sae.cfg, weights: sae.weights };
    await this.runPass(db, { key: a.saeId, hook, passes: 3 }, reader, model, onProgress, async (batches, progress, signal) => {
      // Pass 3, the feature tables, encodes the rows once more with the same encoder as passes 1–2.
      const tables = (stats: FeatureStats, acts: ActsOf) => featureTables(encoder, stats, batches, acts, createOnnxDots, {}, (rows) => progress(3, rows), signal);
      // The GPU pass encodes TopK (k ≤ TOPK_MAX_K = 1024), ReLU and JumpReLU SAEs; BatchTopK's batch-wide selection runs on the CPU.
      if (a.device === 'gpu' && gpuStatsSupported(encoder)) {
        try {
          const device = await requestDevice({ label: 'feature-stats' });
          const stats = await featureStatsGpu(device, encoder, batches, opts, progress, signal, STATS_BATCH);
          const gpu = new GpuEncoder(device, encoder, STATS_BATCH);
          try {
            return { stats, device: 'gpu', tables: await tables(stats, gpuActs(gpu)) };
          } finally {
            gpu.destroy();
          }
        } catch (err) {
          // A BatchTopK batch too concentrated for the GPU's per-row candidates: the CPU pass selects exactly.
          if (!(err instanceof BatchTopkCapError)) throw err;
        }
      }
      return { ...(await statsOnCpu(encoder, batches, opts, progress, signal, tables)), device: 'cpu' };
    });
    return (await listSaes(db)).find((s) => s.id === a.saeId)!;
  }

  /** The statistics pass over a run's raw units of `hook` (a unit's activation is its stored value), on the CPU. */
  async computeNeuronStats(db: StoreDb, a: { runId: string; hook: string; topN?: number }, model: TextModel | null, onProgress: (p: FeatureStatsProgress) => void): Promise<NeuronTable> {
    const reader = await RunReader.open(db, a.runId);
    const dim = reader.run.hooks.find((h) => h.name === a.hook)?.dim;
    if (dim === undefined) throw new LabError(`run ${reader.run.name} did not store ${a.hook}; it stores ${reader.run.hooks.map((h) => h.name).join(', ')}`);
    const opts: Partial<FeatureStatsOptions> = a.topN ? { topN: a.topN } : {};
    await this.runPass(db, { key: neuronSetKey(a.runId, a.hook), hook: a.hook }, reader, model, onProgress, async (batches, progress, signal) => ({
      stats: await unitStatsCpu({ dIn: dim, units: dim }, batches, identityActs, opts, progress, signal),
      device: 'cpu',
    }));
    return (await this.neuronTable(db, a.runId, a.hook, model))!;
  }

  /** Runs one statistics pass (one at a time, cancellable) and saves it under `at.key` with its top tokens. */
  private async runPass(
    db: StoreDb,
    at: { key: string; hook: string; passes?: number },
    reader: RunReader,
    model: TextModel | null,
    onProgress: (p: FeatureStatsProgress) => void,
    pass: (batches: Batches, progress: (pass: number, rows: number) => void, signal: AbortSignal) => Promise<{ stats: FeatureStats; device: 'gpu' | 'cpu'; tables?: FeatureTables }>,
  ): Promise<void> {
    if (this.control) throw new LabError('a feature statistics pass is already running: cancel it first');
    const rows = reader.run.committedRows;
    const batches = async function* () {
      for await (const b of reader.batches(at.hook, STATS_BATCH)) yield { rows: b.rows, firstRow: b.rowIndex[0] };
    };
    this.control = new AbortController();
    const t0 = performance.now();
    try {
      const progress = (pass: number, done: number) => onProgress({ pass, passes: at.passes ?? 2, rows: done, totalRows: rows });
      const { stats, device, tables } = await pass(batches, progress, this.control.signal);
      const record: FeatureStatsRecord = {
        saeId: at.key,
        appVersion: APP_VERSION,
        runId: reader.run.id,
        hook: at.hook,
        stats,
        topTokens: await reader.tokenIds(stats.top.rows),
        vocab: model && model.id === reader.run.modelId ? vocabOf(model) : null,
        vocabBytes: model && model.id === reader.run.modelId ? vocabBytesOf(model) : null,
        seconds: (performance.now() - t0) / 1000,
        device,
        createdAt: Date.now(),
        ...(tables ? { tables } : {}),
      };
      await withQuota(
        () => db.put('featureStats', record),
        () => quotaMessage(`the statistics of ${at.hook} over run ${reader.run.name}`, 'Statistics saved before are kept; this pass was not saved', 'run the statistics pass again'),
      );
      this.statsCache.set(at.key, record);
    } finally {
      this.control = null;
    }
  }

  /** Drops the neuron statistics of a deleted run. */
  async forgetRun(db: StoreDb, runId: string): Promise<void> {
    const prefix = neuronSetKey(runId, '');
    for (const key of this.statsCache.keys()) if (key.startsWith(prefix)) this.statsCache.delete(key);
    await db.delete('featureStats', IDBKeyRange.bound(prefix, `${prefix}\uffff`));
  }

  cancel(): void {
    this.control?.abort();
  }

  private async unitFor(sae: OpenedSae, feature: number) {
    // BatchTopK's selection depends on the batch: encode the context rows together on the CPU.
    if (gpuStatsSupported(sae) && sae.cfg.architecture !== 'batchtopk') {
      try {
        if (this.gpuEncoder?.saeId !== sae.record.id) {
          const device = await requestDevice({ label: 'feature-pages' });
          // A software adapter (SwiftShader) is slower than the plain CPU loops: keep to those there.
          if (/swiftshader|software/i.test(adapterName(device))) return featureUnit(sae, feature);
          this.gpuEncoder?.encoder.destroy();
          this.gpuEncoder = { saeId: sae.record.id, encoder: new GpuEncoder(device, sae, STATS_BATCH) };
        }
        const encoder = this.gpuEncoder.encoder;
        return (x: Float32Array, n: number) => encoder.column(x, n, feature);
      } catch {
        // No WebGPU here: the CPU encoder gives the same numbers, more slowly.
      }
    }
    return featureUnit(sae, feature);
  }

  private async stats(db: StoreDb, key: string): Promise<FeatureStatsRecord> {
    const rec = await this.statsOrNull(db, key);
    if (rec) return rec;
    if (isNeuronSetKey(key)) throw new NoFeatureStatsError('these neurons have no statistics yet: compute them in the neuron browser');
    throw new NoFeatureStatsError('this SAE has no feature statistics yet: run the statistics pass over a run first');
  }

  private async statsOrNull(db: StoreDb, key: string): Promise<FeatureStatsRecord | null> {
    let rec = this.statsCache.get(key);
    if (!rec) {
      rec = await db.get('featureStats', key);
      if (!rec) return null;
      this.statsCache.set(key, rec);
    }
    return rec;
  }

  /** Per-feature columns for the browser, and the token of each feature's best example. */
  async table(db: StoreDb, saeId: string, model: TextModel | null): Promise<FeatureTable> {
    return { saeId, ...unitColumns(await this.stats(db, saeId), model) };
  }

  /** Per-neuron columns of a run's hook; null before its statistics pass. */
  async neuronTable(db: StoreDb, runId: string, hook: string, model: TextModel | null): Promise<NeuronTable | null> {
    const rec = await this.statsOrNull(db, neuronSetKey(runId, hook));
    return rec && { hook, seconds: rec.seconds, ...unitColumns(rec, model) };
  }

  /** Features whose top examples contain `query` (case-insensitive) in a token or across tokens, most matching examples first. */
  async search(db: StoreDb, saeId: string, query: string, model: TextModel | null): Promise<UnitSearch> {
    return this.searchIn(db, await this.stats(db, saeId), query, model);
  }

  async searchNeurons(db: StoreDb, runId: string, hook: string, query: string, model: TextModel | null): Promise<UnitSearch> {
    return this.searchIn(db, await this.stats(db, neuronSetKey(runId, hook)), query, model);
  }

  /** The neighbourhoods of a record's top examples, read once per record and radius (a search reads them all). */
  private neighbours: { key: string; radius: number; ids: Int32Array } | null = null;

  private async searchIn(db: StoreDb, rec: FeatureStatsRecord, query: string, model: TextModel | null): Promise<UnitSearch> {
    const s = rec.stats as FeatureStats;
    const radius = searchRadius(query.toLowerCase());
    const key = `${rec.saeId}@${rec.createdAt}`;
    if (this.neighbours?.key !== key || this.neighbours.radius !== radius) {
      const reader = await RunReader.open(db, rec.runId);
      this.neighbours = { key, radius, ids: await reader.neighbourIds(s.top.rows, radius) };
    }
    const { ids } = this.neighbours;
    const w = 2 * radius + 1;
    return searchUnits(rec.topTokens, s.topN, query, vocabFor(rec, model), (slot) => ids.subarray(slot * w, (slot + 1) * w), SEARCH_LIMIT);
  }

  async page(db: StoreDb, saeId: string, feature: number, radius: number, model: TextModel | null): Promise<FeaturePageData> {
    const rec = await this.stats(db, saeId);
    const reader = await RunReader.open(db, rec.runId);
    const sae = await openSaeFor(db, saeId, runContext(reader.run, model));
    const d = sae.cfg.d_sae;
    const dIn = sae.cfg.d_in;
    if (!Number.isInteger(feature) || feature < 0 || feature >= d) throw new LabError(`feature ${feature} does not exist: this SAE has features 0…${d - 1}`);
    const text = vocabFor(rec, model);
    const core = await unitPage(reader, rec, feature, radius, await this.unitFor(sae, feature), text);
    const out = model?.weights && sameModel(model.id, sae.cfg.model_name) ? residualDirection(model.weights, sae.cfg.hook_name, sae.weights.W_dec.subarray(feature * dIn, (feature + 1) * dIn)) : null;
    const src = sae.record.source;
    return {
      saeId,
      saeName: sae.record.name,
      neuronpediaUrl: src.kind === 'catalogue' ? neuronpediaUrl({ neuronpedia: src.neuronpedia, width: d }, feature) : null,
      feature,
      dSae: d,
      ...core,
      logits: out?.dir ? logitTable(out.dir, model!.weights!, text) : null,
      logitsNote: out ? (out.dir ? null : out.note) : model ? `the loaded model (${model.id}) is not this SAE's (${sae.cfg.model_name})` : 'load the model to see its logit effects',
      neurons: unitsOfFeature(sae.weights.W_dec, dIn, feature, LOADINGS_SHOWN),
      tables: rec.tables ? tablesView(rec.tables as FeatureTables, feature) : null,
      tablesNote: rec.tables ? null : 'these statistics predate the feature tables: run the statistics pass again to see correlations and nearest features',
    };
  }

  /** The SAE's map: UMAP of its decoder directions over the exact nearest-by-cosine graph, computed once and saved. */
  async map(db: StoreDb, saeId: string): Promise<SaeMapData> {
    let rec = await this.stats(db, saeId);
    if (!rec.map) {
      const sae = await openSae(db, saeId);
      const { d_sae: d, d_in: dIn } = sae.cfg;
      const nearest = (rec.tables as FeatureTables | undefined)?.nearestDecoder ?? (await nearestOf(decoderDirections(sae.weights.W_dec, d, dIn), d, dIn, DEFAULT_TABLES.n, createOnnxDots));
      const map = await featureMap(nearest, d);
      rec = { ...rec, map };
      const saved = rec;
      await withQuota(
        () => db.put('featureStats', saved),
        () => quotaMessage(`the feature map of ${sae.record.name}`, 'The statistics are kept; the map was not saved', 'open the map again'),
      );
      this.statsCache.set(saeId, rec);
    }
    const m = rec.map as FeatureMap;
    const s = rec.stats as FeatureStats;
    return { saeId, dSae: s.dSae, x: m.x, y: m.y, count: s.count, rows: s.rows, seconds: m.seconds };
  }

  /** A raw unit's page: the feature page's figures, its output direction's logit effects, and the SAE features on it. */
  async neuronPage(db: StoreDb, a: { runId: string; hook: string; neuron: number; radius: number; saeId?: string }, model: TextModel | null): Promise<NeuronPageData> {
    const rec = await this.stats(db, neuronSetKey(a.runId, a.hook));
    const dim = (rec.stats as FeatureStats).dSae;
    if (!Number.isInteger(a.neuron) || a.neuron < 0 || a.neuron >= dim) throw new LabError(`neuron ${a.neuron} does not exist: ${a.hook} has units 0…${dim - 1}`);
    const reader = await RunReader.open(db, a.runId);
    const text = vocabFor(rec, model);
    const core = await unitPage(reader, rec, a.neuron, a.radius, unitColumn(dim, a.neuron), text);
    const out = model?.weights && model.id === reader.run.modelId ? outputDirection(model.weights, a.hook, a.neuron) : null;
    const logitsNote = !model ? 'load the model to see its logit effects' : !out ? `the loaded model (${model.id}) is not this run's (${reader.run.modelId})` : out.dir ? null : out.note;
    return {
      neuron: a.neuron,
      dim,
      ...core,
      logits: out?.dir ? logitTable(out.dir, model!.weights!, text) : null,
      logitsNote,
      logitsVia: out?.dir ? out.via : null,
      ...(await this.loadingsOn(db, a.hook, dim, a.neuron, a.saeId)),
    };
  }

  /** The features of an SAE reading `hook` (the one asked for, else the most recently registered) that load most on unit `i`. */
  private async loadingsOn(db: StoreDb, hook: string, dim: number, i: number, saeId?: string): Promise<Pick<NeuronPageData, 'features' | 'featuresNote'>> {
    const saes = await listSaes(db); // newest first
    const pick = saeId ? saes.find((s) => s.id === saeId) : saes.find((s) => s.hook === hook && s.dIn === dim);
    if (!pick) return { features: null, featuresNote: saeId ? `SAE ${saeId} is not in this browser` : `no registered SAE reads ${hook}: add or train one to see the features on this unit` };
    if (pick.hook !== hook || pick.dIn !== dim) return { features: null, featuresNote: `${pick.name} reads ${pick.hook} (d_in ${pick.dIn}), not ${hook}: its decoder rows live in another basis` };
    const sae = await openSae(db, pick.id);
    if (this.decoderNorms?.saeId !== pick.id) this.decoderNorms = { saeId: pick.id, normsSq: decoderNormsSq(sae.weights.W_dec, dim) };
    return { features: { saeId: pick.id, saeName: pick.name, loadings: featuresOnUnit(sae.weights.W_dec, dim, i, LOADINGS_SHOWN, this.decoderNorms.normsSq) }, featuresNote: null };
  }

  /** Per token of `text`, the SAE's most active features on it. */
  async inspect(db: StoreDb, saeId: string, text: string, topK: number, model: TextModel): Promise<InspectResult> {
    const sae = await openSaeForLive(db, saeId, model);
    // BOS and the text's last tokens, as many as the context holds; the result says what was cut.
    const { ids: window, cut } = fitPrompt(model.tokenizer.encode(text), { nPositions: model.cfg.nPositions, bos: model.bosTokenId });
    const ids = window.slice(1);
    const x = await model.hookActivations(sae.cfg.hook_name, window); // [T, d_in]
    const T = window.length;
    const { acts } = encode(sae.weights, sae.cfg, x, T);
    const d = sae.cfg.d_sae;
    const pieces = tokenPieces(ids, model.tokenizer);
    const tokens = ids.map((id, i) => {
      const row = acts.subarray((i + 1) * d, (i + 2) * d);
      const best = Array.from(row.keys()).filter((f) => row[f] > 0).sort((a, b) => row[b] - row[a] || a - b).slice(0, topK);
      return { id, ...pieces[i], features: best.map((f) => ({ feature: f, act: row[f] })) };
    });
    return { saeId, cut, tokens };
  }
}

/** The CPU pass with the encoder matmul on onnxruntime's wasm backend (SIMD, threads), the activation in JS. */
async function statsOnCpu(
  sae: EncoderSae,
  batches: Batches,
  opts: Partial<FeatureStatsOptions>,
  progress: (pass: number, rows: number) => void,
  signal: AbortSignal,
  withTables: (stats: FeatureStats, acts: ActsOf) => Promise<FeatureTables>,
): Promise<{ stats: FeatureStats; tables: FeatureTables }> {
  const enc = await createOnnxEncoder(sae);
  try {
    const acts: ActsOf = (x, n) => enc.acts(x, n);
    const stats = await featureStatsCpu(sae, batches, opts, progress, signal, acts);
    return { stats, tables: await withTables(stats, acts) };
  } finally {
    await enc.dispose();
  }
}

/**
 * Token bytes: the loaded model's when it is the run's, else the vocabulary saved with the stats (its bytes; older
 * records kept only decoded strings), else the ids written as "#id".
 */
function vocabFor(rec: FeatureStatsRecord, model: TextModel | null): TokenBytes {
  if (model && (!rec.vocab || model.tokenizer.tokenText(0) === rec.vocab[0])) return model.tokenizer;
  const utf8 = new TextEncoder();
  const { vocab, vocabBytes } = rec;
  if (vocabBytes) return { tokenBytes: (id) => (vocabBytes[id] === undefined ? utf8.encode(`#${id}`) : latin1ToBytes(vocabBytes[id])) };
  return { tokenBytes: (id) => utf8.encode(vocab?.[id] ?? `#${id}`) };
}

function vocabOf(model: TextModel): string[] {
  const n = model.vocabSize;
  return Array.from({ length: n }, (_, id) => model.tokenizer.tokenText(id));
}

function vocabBytesOf(model: TextModel): string[] {
  return Array.from({ length: model.vocabSize }, (_, id) => bytesToLatin1(model.tokenizer.tokenBytes(id)));
}

/**
 * The activation of one feature on rows x [n, d_in]. It needs the full encoding (top-k needs every latent of a
 * row): on the GPU when it can (a page of a GPT-2-small SAE re-encodes ~1,500 rows × 24,576 latents), else on the CPU.
 */
function featureUnit(sae: OpenedSae, feature: number) {
  return (x: Float32Array, n: number): Float32Array => {
    const { acts } = encode(sae.weights, sae.cfg, x, n);
    const d = sae.cfg.d_sae;
    return Float32Array.from({ length: n }, (_, r) => acts[r * d + feature]);
  };
}

/** Per-unit columns of a statistics record for a browser: frequency, max, mean when firing, best example's token. */
function unitColumns(rec: FeatureStatsRecord, model: TextModel | null): Omit<FeatureTable, 'saeId'> {
  const s = rec.stats as FeatureStats;
  const n = s.count.length;
  const vocab = vocabFor(rec, model);
  const topToken: string[] = new Array(n);
  for (let f = 0; f < n; f++) {
    const id = rec.topTokens[f * s.topN];
    topToken[f] = id < 0 ? '' : tokenLabel(id, vocab);
  }
  const mean = new Float32Array(n);
  for (let f = 0; f < n; f++) mean[f] = s.count[f] ? s.sumAct[f] / s.count[f] : 0;
  return { runId: rec.runId, rows: s.rows, count: s.count, maxAct: s.maxAct, meanAct: mean, topToken };
}

type UnitPageCore = Pick<FeaturePageData, 'hook' | 'runId' | 'rows' | 'count' | 'maxAct' | 'meanAct' | 'hist' | 'top' | 'bands'>;

/** The figures and example strips of unit `i` of a statistics record (a feature or a neuron alike). */
async function unitPage(reader: RunReader, rec: FeatureStatsRecord, i: number, radius: number, unit: UnitActivations, text: TokenBytes): Promise<UnitPageCore> {
  const s = rec.stats as FeatureStats;
  const max = s.maxAct[i];
  const bands: FeaturePageData['bands'] = [];
  for (let b = s.nBands - 1; b >= 0; b--) {
    const ex = slotList(s.bands.rows, s.bands.acts, (i * s.nBands + b) * s.bandSize, s.bandSize);
    bands.push({ lo: (max * b) / s.nBands, hi: (max * (b + 1)) / s.nBands, count: s.bandCount[i * s.nBands + b], examples: await exampleStrips(reader, rec.hook, ex, radius, unit, text) });
  }
  const top = slotList(s.top.rows, s.top.acts, i * s.topN, s.topN);
  return {
    hook: rec.hook,
    runId: rec.runId,
    rows: s.rows,
    count: s.count[i],
    maxAct: max,
    meanAct: s.count[i] ? s.sumAct[i] / s.count[i] : 0,
    hist: Array.from(s.hist.subarray(i * s.nBins, (i + 1) * s.nBins)),
    top: await exampleStrips(reader, rec.hook, top, radius, unit, text),
    bands,
  };
}

/** Feature f's rows of the saved tables. */
function tablesView(t: FeatureTables, f: number): FeatureTablesView {
  return {
    correlatedNeurons: topRow(t.correlations.neurons, f),
    correlatedFeatures: topRow(t.correlations.features, f),
    nearestDecoder: topRow(t.nearestDecoder, f),
    nearestEncoder: topRow(t.nearestEncoder, f),
    rows: t.correlations.rows,
    candidates: t.correlations.candidates,
  };
}

/** The ± logit tables of a residual direction [d]. */
function logitTable(dir: Float32Array, weights: Gpt2Weights, vocab: TokenBytes): NonNullable<FeaturePageData['logits']> {
  const e = topEffects(logitEffect(dir, weights.lnFW, weights.wte, dir.length), 10);
  const named = (xs: { id: number; value: number }[]) => xs.map((x) => ({ ...x, token: tokenLabel(x.id, vocab) }));
  return { positive: named(e.positive), negative: named(e.negative) };
}
