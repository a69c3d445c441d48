// SAEs the dashboards can open, kept in IndexedDB ('saes'): trained in this browser (their SAELens export, the
// input scale folded in) or loaded from SAELens files / a Hub repo path. Every one takes raw activations of its
// hook: normalize_activations 'none', or 'layer_norm' (OpenAI's v5 SAEs), which encode/decode apply per row at run
// time (src/sae/layer-norm.ts), so stats, inspection, steering, attribution and evals all encode the same way.
import type { Gpt2Config } from '../core/config';
import { LabError, quotaMessage, withQuota } from '../core/errors';
import { HF_RAW, type TlSettings, describeTlSettings } from '../core/tl-settings';
import type { Gpt2Weights } from '../core/weights';
import { type AdaptContext, adaptSaeToSettings, saeTl } from '../sae/tl-adapt';
import { type FitSae, assertSaeFits } from './sae-fit';
import { runTl } from '../store/runs';
import type { SaeConfig, SaeWeights } from '../sae/sae';
import { type LoadedSae, loadSaeLens } from '../sae/saelens';
import { APP_VERSION, type RunManifest, type SaeRecord, type StoreDb } from '../store/schema';

export class UnknownSaeError extends LabError {}

export interface SaeInfo {
  id: string;
  name: string;
  source: SaeRecord['source'];
  architecture: SaeConfig['architecture'];
  hook: string;
  modelName: string;
  dIn: number;
  dSae: number;
  k: number | null;
  /** 'layer_norm': each token is normalised before encoding and the reconstruction scaled back (SAELens' run-time LN). */
  normalization: 'none' | 'layer_norm';
  /** The TransformerLens settings of the activations it reads (cfg.json's model_from_pretrained_kwargs). */
  tl: TlSettings;
  contextSize: number;
  prependBos: boolean;
  /** The Hugging Face dataset it was trained on (cfg.json dataset_path), when that is a Hub id; null otherwise. */
  dataset: string | null;
  createdAt: number;
  /** The feature statistics pass, once run. */
  stats: { runId: string; rows: number; seconds: number; device: 'gpu' | 'cpu'; createdAt: number } | null;
  /** The last faithfulness evaluation (CE loss recovered, KL, FVU, L0), once run. */
  evals: FaithfulnessSummary | null;
}

export interface FaithfulnessSummary {
  runId: string;
  runName: string;
  trainingRun: boolean;
  windows: number;
  predictions: number;
  ceClean: number;
  ceSae: number;
  ceZero: number;
  ceLossRecovered: number;
  klCleanSae: number;
  fvu: number;
  l0: number;
}

export interface OpenedSae {
  record: SaeRecord;
  cfg: SaeConfig;
  weights: SaeWeights;
}

const newId = () => `sae-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** The loaded model, to check an SAE of it against (its hook exists and is d_in wide; one head: d_head). */
export type SaeModelCheck = { id: string; cfg: Gpt2Config } | null;

export async function addSae(db: StoreDb, sae: LoadedSae, name: string, source: SaeRecord['source'], model: SaeModelCheck = null): Promise<SaeRecord> {
  if (sae.cfg.normalize_activations === 'expected_average_only_in') throw new LabError(`SAE ${name}: its input scale must be folded in before it is registered`);
  // An SAE that does not fit the loaded model is stored and marked, not refused: src/analysis/sae-fit.ts says why on
  // its row and the worker refuses its jobs (a user may load its model later). `model` stays for callers' symmetry.
  void model;
  const weights: Record<string, Float32Array | Blob> = {};
  const tensors: [string, Float32Array | undefined][] = [['W_enc', sae.weights.W_enc], ['b_enc', sae.weights.b_enc], ['W_dec', sae.weights.W_dec], ['b_dec', sae.weights.b_dec], ['threshold', sae.weights.threshold]];
  // Chromium refuses an IndexedDB value over ~127 MiB ("The serialized keys and/or value are too large",
  // max 133,169,152 bytes), and a GPT-2 small SAE of 24,576 latents holds 151 MB in W_enc + W_dec. Blobs are
  // stored beside the value, not in it, so every tensor goes in as a Blob.
  for (const [name, t] of tensors) if (t) weights[name] = new Blob([t as Float32Array<ArrayBuffer>], { type: 'application/octet-stream' });
  const record: SaeRecord = { id: newId(), appVersion: APP_VERSION, name, source, cfg: { ...sae.cfg }, weights, createdAt: Date.now() };
  // One put: the record and its weight Blobs are stored whole or not at all, so a refusal leaves no half-written SAE.
  const bytes = tensors.reduce((a, [, t]) => a + (t?.byteLength ?? 0), 0);
  await withQuota(
    () => db.put('saes', record),
    () => quotaMessage(`SAE ${name} (${(bytes / 1e6).toFixed(1)} MB of weights)`, 'Nothing of it was saved', 'add it again'),
  );
  return record;
}

export async function addSaeLensFiles(db: StoreDb, cfgJson: string, weights: Uint8Array, name: string, source: SaeRecord['source'], model: SaeModelCheck = null): Promise<SaeRecord> {
  let json: unknown;
  try {
    json = JSON.parse(cfgJson);
  } catch (err) {
    throw new LabError(`cfg.json is not JSON: ${(err as Error).message}`);
  }
  return addSae(db, loadSaeLens({ cfgJson: json, weights }), name, source, model);
}

/** The weights of the SAE opened last (an SAE's weights never change once added): pages reopen it on every view. */
let lastOpened: { id: string; weights: SaeWeights } | null = null;

export async function openSae(db: StoreDb, id: string): Promise<OpenedSae> {
  const record = await db.get('saes', id);
  if (!record) throw new UnknownSaeError(`no SAE ${id} in this browser (it may have been deleted)`);
  if (lastOpened?.id === id) return { record, cfg: record.cfg as unknown as SaeConfig, weights: lastOpened.weights };
  // Records written before the Blob storage hold Float32Arrays.
  const tensors = await Promise.all(
    Object.entries(record.weights).map(async ([name, t]) => [name, t instanceof Blob ? new Float32Array(await t.arrayBuffer()) : t] as const),
  );
  const weights = Object.fromEntries(tensors) as unknown as SaeWeights;
  lastOpened = { id, weights };
  return { record, cfg: record.cfg as unknown as SaeConfig, weights };
}

/**
 * The SAE as it reads activations computed under `ctx.from` (a run's settings, or the live model's): its
 * declared TransformerLens settings converted exactly where they differ, or a ModelSettingsError saying why not.
 */
export async function openSaeFor(db: StoreDb, id: string, ctx: AdaptContext): Promise<OpenedSae> {
  const sae = await openSae(db, id);
  // Feature pages reopen the same SAE for the same run on every view: fold the conversion once, not per page.
  const key = `${id}|${describeTlSettings(ctx.from)}`;
  const model = ctx.model?.weights ?? null;
  if (lastAdapted?.key !== key || lastAdapted.raw !== sae.weights || lastAdapted.model !== model) {
    lastAdapted = { key, raw: sae.weights, model, weights: adaptSaeToSettings(sae.cfg, sae.weights, ctx) };
  }
  return { ...sae, weights: lastAdapted.weights };
}

/** The last conversion openSaeFor folded, valid while its SAE weights and model weights are the ones in use. */
let lastAdapted: { key: string; raw: SaeWeights; model: Gpt2Weights | null; weights: SaeWeights } | null = null;

/** The fields saeMisfit judges, from an SAE's config. */
export function fitOf(cfg: SaeConfig): FitSae {
  return { hook: cfg.hook_name, dIn: cfg.d_in, modelName: cfg.model_name, tl: saeTl(cfg) };
}

/**
 * An SAE for a live-model path (inspect, steering, attribution, evals): checked against the loaded model first
 * (SaeMismatchError with the message its row shows, before any weights are read or a session is built), then opened
 * as it reads the live model's activations.
 */
export async function openSaeForLive(db: StoreDb, id: string, model: { id: string; cfg: Gpt2Config; weights: Gpt2Weights | null }): Promise<OpenedSae> {
  await checkSaeFitsLive(db, id, model);
  return openSaeFor(db, id, liveModelContext(model));
}

/** SaeMismatchError unless SAE `id` can run on the loaded model. */
export async function checkSaeFitsLive(db: StoreDb, id: string, model: { id: string; cfg: Gpt2Config; weights: Gpt2Weights | null }): Promise<void> {
  const record = await db.get('saes', id);
  if (!record) throw new UnknownSaeError(`no SAE ${id} in this browser (it may have been deleted)`);
  assertSaeFits(record.name, fitOf(record.cfg as unknown as SaeConfig), { id: model.id, cfg: model.cfg, hasWeights: model.weights !== null });
}

/** Live-model paths (inspect, steering, attribution, evals): the graph the lab builds computes HF_RAW. */
export function liveModelContext(model: { cfg: Gpt2Config; weights: Gpt2Weights | null } | null): AdaptContext {
  return { from: HF_RAW, fromLabel: 'the loaded model computes it', model: model?.weights ? { cfg: model.cfg, weights: model.weights } : null };
}

/** A stored run's activations. `model` is the loaded model, used only when it is the run's. */
export function runContext(run: RunManifest, model: { id: string; cfg: Gpt2Config; weights: Gpt2Weights | null } | null): AdaptContext {
  const own = model?.weights && model.id === run.modelId ? { cfg: model.cfg, weights: model.weights } : null;
  return { from: runTl(run), fromLabel: `run "${run.name}" stored it`, model: own };
}

export async function listSaes(db: StoreDb): Promise<SaeInfo[]> {
  const [records, stats] = await Promise.all([db.getAll('saes'), db.getAll('featureStats')]);
  const byId = new Map(stats.map((s) => [s.saeId, s]));
  return records
    .map((r) => {
      const cfg = r.cfg as unknown as SaeConfig;
      const s = byId.get(r.id);
      return {
        id: r.id,
        name: r.name,
        source: r.source,
        architecture: cfg.architecture,
        hook: cfg.hook_name,
        modelName: cfg.model_name,
        dIn: cfg.d_in,
        dSae: cfg.d_sae,
        k: cfg.k ?? null,
        normalization: cfg.normalize_activations === 'layer_norm' ? ('layer_norm' as const) : ('none' as const),
        tl: saeTl(cfg),
        contextSize: cfg.context_size,
        prependBos: cfg.prepend_bos,
        dataset: typeof cfg.dataset === 'string' && /^[\w.-]+\/[\w.-]+$/.test(cfg.dataset) ? cfg.dataset : null,
        createdAt: r.createdAt,
        stats: s ? { runId: s.runId, rows: (s.stats as { rows: number }).rows, seconds: s.seconds, device: s.device, createdAt: s.createdAt } : null,
        evals: (r.evals as FaithfulnessSummary | undefined) ?? null,
      };
    })
    .sort((a, b) => b.createdAt - a.createdAt);
}

export async function deleteSae(db: StoreDb, id: string): Promise<void> {
  if (lastOpened?.id === id) lastOpened = null;
  const tx = db.transaction(['saes', 'featureStats'], 'readwrite');
  await Promise.all([tx.objectStore('saes').delete(id), tx.objectStore('featureStats').delete(id), tx.done]);
}
