// SAELens' on-disk format: a folder holding cfg.json and sae_weights.safetensors (W_enc [d_in, d_sae],
// b_enc [d_sae], W_dec [d_sae, d_in], b_dec [d_in], and threshold [d_sae] for JumpReLU).
//
// cfg.json has changed shape over SAELens' life, and we read every shape we know of:
//   ≤ 5.x   flat: hook_point/hook_name, model_name, context_size... at the top level; TopK as
//           activation_fn_str "topk" + activation_fn_kwargs {k}; no "architecture" means "standard".
//   6.x     SAE fields at the top level, the model/hook fields nested under "metadata" ("meta" in early 6.0 rcs).
// We write both the flat and the nested fields and no sae_lens_version, which sends SAELens 6 down its pre-6.0
// path: it reads the flat fields, so files we save load in old and new SAELens alike.
//
// hook_head_index h (one head of attn.hook_q/k/v/z, d_in = d_head) is read into the lab's one-head key,
// hook_name "blocks.L.attn.hook_z[h]" (../core/hooks.ts), and written back as hook_name + hook_head_index.
import type { Gpt2Config } from '../core/config';
import { ModelFetchError } from '../core/errors';
import { HEAD_HOOKS, headHookKey, hookDim, parseHook, splitHeadKey } from '../core/hooks';
import { tlKwargs, tlSettingsFromKwargs } from '../core/tl-settings';
import { type SafetensorsFile, readSafetensorsBlob, readSafetensorsBytes, tensorToF32 } from '../core/safetensors';
import { type TensorToWrite, writeSafetensors } from '../core/safetensors-write';
import { type FetchOptions, fetchBytes, hubFileUrl } from '../model/sources';
import {
  type SaeArchitecture,
  type SaeConfig,
  SaeConfigError,
  type SaeWeights,
  SaeWeightsError,
  checkSaeWeights,
  foldActivationScale,
  validateSaeConfig,
} from './sae';

export const SAE_CFG_FILE = 'cfg.json';
export const SAE_WEIGHTS_FILE = 'sae_weights.safetensors';

/** A SAELens SAE folder: file name → contents. (A type, not an interface, so it passes as a plain record.) */
export type SaeLensFiles = {
  'cfg.json': string;
  'sae_weights.safetensors': Uint8Array;
};

export interface SaveSaeLensOptions {
  /**
   * The scale s training multiplied inputs by (normalize_activations "expected_average_only_in": s makes
   * E‖s·x‖ = √d_in). Folded into the saved weights, so the file takes raw activations and says "none".
   */
  activationScale?: number;
  /**
   * batchtopk only: save as SAELens itself saves a BatchTopK SAE for inference, a JumpReLU SAE with this one
   * threshold for every latent (SAELens uses a running mean of the smallest kept activation). SAELens has no
   * inference "batchtopk" architecture, so without this the file loads here but not in SAELens.
   */
  batchTopkThreshold?: number;
}

export interface LoadedSae {
  cfg: SaeConfig;
  weights: SaeWeights;
}

// ---------------------------------------------------------------- saving

/**
 * cfg.json contents for `cfg` after any folding: normalize_activations is "layer_norm" for an SAE that normalises each
 * row at run time (SAELens applies it the same way), else "none" (a training scale is folded into the weights).
 */
export function saeLensCfgJson(cfg: SaeConfig, foldedScale?: number): Record<string, unknown> {
  const layer = /^blocks\.(\d+)\./.exec(cfg.hook_name);
  const usesK = cfg.architecture === 'topk' || cfg.architecture === 'batchtopk';
  const { hook, head } = splitHeadKey(cfg.hook_name); // a one-head key is SAELens' hook_name + hook_head_index
  // The model/hook fields, as SAELens 6 nests them under "metadata" and older SAELens keeps them flat.
  const meta: Record<string, unknown> = {
    model_name: cfg.model_name,
    hook_name: hook,
    hook_layer: layer ? Number(layer[1]) : 0,
    hook_head_index: head,
    context_size: cfg.context_size,
    prepend_bos: cfg.prepend_bos,
    dataset_path: cfg.dataset ?? null,
    dataset_trust_remote_code: true,
    model_from_pretrained_kwargs: tlKwargs(tlSettingsFromKwargs(cfg.model_from_pretrained_kwargs)),
    seqpos_slice: [null],
    neuronpedia_id: null,
    sae_lens_training_version: null, // not trained by SAELens
  };
  return {
    architecture: cfg.architecture,
    d_in: cfg.d_in,
    d_sae: cfg.d_sae,
    dtype: 'float32',
    device: 'cpu',
    apply_b_dec_to_input: cfg.apply_b_dec_to_input,
    normalize_activations: cfg.normalize_activations === 'layer_norm' ? 'layer_norm' : 'none',
    reshape_activations: 'none',
    finetuning_scaling_factor: false,
    ...(usesK ? { k: cfg.k } : {}),
    // SAELens ≤ 5 reads the activation from these two; its 6.x pre-6.0 path takes topk's k from the kwargs.
    activation_fn_str: cfg.architecture === 'topk' ? 'topk' : 'relu',
    activation_fn_kwargs: usesK ? { k: cfg.k } : {},
    ...(cfg.l1Coefficient !== undefined ? { l1_coefficient: cfg.l1Coefficient } : {}),
    ...meta,
    metadata: { ...meta, ...(foldedScale !== undefined ? { folded_activation_scale: foldedScale } : {}) },
  };
}

/** The two files of a SAELens SAE folder, float32 weights, any training input scale folded in. */
export function saveSaeLens(cfg: SaeConfig, weights: SaeWeights, opts: SaveSaeLensOptions = {}): SaeLensFiles {
  validateSaeConfig(cfg);
  checkSaeWeights(cfg, weights);
  const s = opts.activationScale;
  if (cfg.normalize_activations === 'expected_average_only_in' && s === undefined) {
    throw new SaeConfigError(
      'this SAE was trained on rescaled inputs (normalize_activations "expected_average_only_in"); pass the scale as ' +
        'activationScale so it can be folded into the saved weights, or the file would expect inputs nobody can rescale',
    );
  }
  if (cfg.normalize_activations === 'layer_norm' && s !== undefined) {
    throw new SaeConfigError(
      'a "layer_norm" SAE normalises each row before encoding, so a dataset-wide input scale means nothing to it ' +
        '(LN(s·x) = LN(x) up to ε); save it without activationScale',
    );
  }
  let w = s === undefined ? weights : foldActivationScale(weights, s);
  let out = cfg;
  const th = opts.batchTopkThreshold;
  if (th !== undefined) {
    if (cfg.architecture !== 'batchtopk') throw new SaeConfigError(`batchTopkThreshold applies to batchtopk SAEs, not ${cfg.architecture}`);
    if (!Number.isFinite(th) || th < 0) throw new SaeConfigError(`batchTopkThreshold must be a finite number ≥ 0, got ${th}`);
    const { k: _k, ...rest } = cfg;
    out = { ...rest, architecture: 'jumprelu' };
    // Thresholds compare pre-activations, which folding leaves unchanged: no rescaling needed.
    w = { ...w, threshold: new Float32Array(cfg.d_sae).fill(th) };
  }
  const { d_in, d_sae } = out;
  const tensors: TensorToWrite[] = [
    { name: 'W_enc', dtype: 'F32', shape: [d_in, d_sae], data: w.W_enc },
    { name: 'b_enc', dtype: 'F32', shape: [d_sae], data: w.b_enc },
    { name: 'W_dec', dtype: 'F32', shape: [d_sae, d_in], data: w.W_dec },
    { name: 'b_dec', dtype: 'F32', shape: [d_in], data: w.b_dec },
  ];
  if (out.architecture === 'jumprelu') tensors.push({ name: 'threshold', dtype: 'F32', shape: [d_sae], data: w.threshold! });
  return {
    [SAE_CFG_FILE]: JSON.stringify(saeLensCfgJson(out, s), null, 2),
    [SAE_WEIGHTS_FILE]: writeSafetensors(tensors, { format: 'pt' }), // what torch's save_file writes
  };
}

// ---------------------------------------------------------------- reading cfg.json

interface ParsedCfg {
  cfg: SaeConfig;
  normScale?: number; // a stored "expected_average_only_in" scale, still to fold
  label: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const ARCHITECTURE_ALIASES: Record<string, SaeArchitecture> = {
  standard: 'standard',
  relu: 'standard',
  topk: 'topk',
  batchtopk: 'batchtopk',
  jumprelu: 'jumprelu',
};

/**
 * Reads a SAELens cfg.json of any vintage into our SaeConfig; throws SaeConfigError naming the field. Given the
 * model, also checks that the hook exists there and is d_in wide (checkSaeFitsModel).
 */
export function parseSaeLensCfg(json: unknown, label = SAE_CFG_FILE, model?: Gpt2Config): SaeConfig {
  const { cfg } = readCfg(json, label);
  if (model) checkSaeFitsModel(cfg, model, label);
  return cfg;
}

/**
 * Throws SaeConfigError unless the SAE's hook exists in `model` and its rows are d_in wide: the hook's width, or
 * d_head for one head (hook_head_index), as SAELens' ActivationsStore fills [batch, pos, d_in] from cache[hook][:, :, h].
 */
export function checkSaeFitsModel(cfg: Pick<SaeConfig, 'hook_name' | 'd_in'>, model: Gpt2Config, label = SAE_CFG_FILE): void {
  let width: number;
  let head: number | null;
  try {
    head = parseHook(cfg.hook_name, model).head;
    width = hookDim(cfg.hook_name, model);
  } catch (err) {
    throw new SaeConfigError(`${label}: ${(err as Error).message}`);
  }
  if (cfg.d_in === width) return;
  const what =
    head === null
      ? `${cfg.hook_name} is ${width} wide in this model`
      : `hook_head_index ${head} reads one head of ${splitHeadKey(cfg.hook_name).hook}, d_head = ${width} wide in this model (the whole hook is ${width * model.nHead})`;
  throw new SaeConfigError(`${label}: d_in is ${cfg.d_in}, but ${what}`);
}

function readCfg(json: unknown, label: string): ParsedCfg {
  if (!isObject(json)) throw new SaeConfigError(`${label} is not a JSON object`);
  const nested = [json.metadata, json.meta].filter(isObject);
  // SAE fields live at the top level; model/hook fields are nested in newer files and flat in older ones.
  const top = (...keys: string[]) => first([json, ...nested], keys);
  const metaFirst = (...keys: string[]) => first([...nested, json], keys);
  const fail = (what: string) => new SaeConfigError(`${label}: ${what}`);

  const int = (key: string) => {
    const v = top(key);
    if (!Number.isInteger(v) || (v as number) < 1) throw fail(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const d_in = int('d_in');
  const d_sae = int('d_sae');

  // Architecture: SAELens ≤ 5 wrote TopK SAEs as "standard" with activation_fn_str "topk".
  const rawArch = top('architecture') ?? 'standard';
  const activationFn = top('activation_fn_str', 'activation_fn');
  const kwargs = top('activation_fn_kwargs');
  let architecture = typeof rawArch === 'string' ? ARCHITECTURE_ALIASES[rawArch.toLowerCase()] : undefined;
  if (!architecture) {
    throw fail(
      `architecture ${JSON.stringify(rawArch)} is not supported; this lab runs ${Object.keys(ARCHITECTURE_ALIASES).join(', ')} SAEs`,
    );
  }
  if (architecture === 'standard' && activationFn === 'topk') architecture = 'topk';
  if (architecture === 'standard' && typeof activationFn === 'string' && activationFn !== 'relu') {
    throw fail(`activation function ${JSON.stringify(activationFn)} is not supported (standard SAEs here use relu)`);
  }
  const k = top('k') ?? (isObject(kwargs) ? kwargs.k : undefined);
  if ((architecture === 'topk' || architecture === 'batchtopk') && typeof k !== 'number') {
    throw fail(`a ${architecture} SAE needs k (top-level "k" or activation_fn_kwargs.k), got ${JSON.stringify(k)}`);
  }

  const applyBDec = top('apply_b_dec_to_input') ?? true; // SAELens' default
  if (typeof applyBDec !== 'boolean') throw fail(`apply_b_dec_to_input must be true or false, got ${JSON.stringify(applyBDec)}`);

  // normalize_activations: very old files store a boolean, where true meant "expected_average_only_in".
  // "layer_norm" (OpenAI's v5 SAEs) is applied at run time by every encoder and decoder (./layer-norm.ts).
  const norm = top('normalize_activations') ?? 'none';
  let normalize: SaeConfig['normalize_activations'];
  if (norm === 'none' || norm === false) normalize = 'none';
  else if (norm === 'expected_average_only_in' || norm === true) normalize = 'expected_average_only_in';
  else if (norm === 'layer_norm') normalize = 'layer_norm';
  else {
    throw fail(
      `normalize_activations ${JSON.stringify(norm)} rescales each token at run time in a way this lab does not support ` +
        '(supported: "none", "layer_norm", and "expected_average_only_in" with a stored scale)',
    );
  }
  const normScale = metaFirst('norm_scaling_factor');

  const tlHook = metaFirst('hook_name', 'hook_point');
  if (typeof tlHook !== 'string' || !tlHook) throw fail('no hook_name (or hook_point) says which activations this SAE reads');
  // hook_head_index h: the SAE reads head h of a head hook alone (cache[hook_name][:, :, h], d_in = d_head).
  const headIndex = metaFirst('hook_head_index', 'hook_point_head_index');
  let hook_name = tlHook;
  if (headIndex !== undefined) {
    if (!Number.isInteger(headIndex) || (headIndex as number) < 0) throw fail(`hook_head_index must be null or an integer ≥ 0, got ${JSON.stringify(headIndex)}`);
    try {
      hook_name = headHookKey(tlHook, headIndex as number);
    } catch {
      throw fail(`hook_head_index ${headIndex} selects one head, but ${tlHook} has no head axis (one head applies to ${HEAD_HOOKS.join(', ')})`);
    }
  }
  const model_name = metaFirst('model_name');
  if (typeof model_name !== 'string') throw fail('no model_name says which model this SAE was trained on');
  const context_size = metaFirst('context_size');
  if (!Number.isInteger(context_size) || (context_size as number) < 1) {
    throw fail(`context_size must be a positive integer, got ${JSON.stringify(context_size)}`);
  }
  const prepend_bos = metaFirst('prepend_bos') ?? true; // SAELens' default
  if (typeof prepend_bos !== 'boolean') throw fail(`prepend_bos must be true or false, got ${JSON.stringify(prepend_bos)}`);
  const dataset = metaFirst('dataset_path');
  const l1 = top('l1_coefficient');
  const tlRaw = metaFirst('model_from_pretrained_kwargs') ?? {};
  if (!isObject(tlRaw)) throw fail(`model_from_pretrained_kwargs must be an object, got ${JSON.stringify(tlRaw)}`);
  let model_from_pretrained_kwargs: Record<string, boolean>;
  try {
    model_from_pretrained_kwargs = tlKwargs(tlSettingsFromKwargs(tlRaw)); // absent keys: SAELens' defaults
  } catch (err) {
    throw fail((err as Error).message);
  }

  const cfg: SaeConfig = {
    architecture,
    d_in,
    d_sae,
    ...(architecture === 'topk' || architecture === 'batchtopk' ? { k: k as number } : {}),
    ...(typeof l1 === 'number' ? { l1Coefficient: l1 } : {}),
    dtype: 'float32',
    apply_b_dec_to_input: applyBDec,
    normalize_activations: normalize,
    hook_name,
    model_name,
    context_size: context_size as number,
    prepend_bos,
    ...(typeof dataset === 'string' ? { dataset } : {}),
    model_from_pretrained_kwargs,
  };
  try {
    validateSaeConfig(cfg);
  } catch (err) {
    throw err instanceof SaeConfigError ? fail(err.message) : err;
  }
  return { cfg, normScale: typeof normScale === 'number' ? normScale : undefined, label };
}

/** The first defined value of any of `keys`, searching the objects in order. */
function first(objs: Json[], keys: string[]): unknown {
  for (const o of objs) for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

// ---------------------------------------------------------------- reading weights

/** An SAE file's tensors by name (safetensors or a torch state dict): shapes, and float32 values read on demand. */
interface SaeTensors {
  shapes: ReadonlyMap<string, readonly number[]>;
  /** The values as float32 in memory no other tensor (or the file's buffer) shares. */
  read(name: string): Float32Array;
}

function safetensorsTensors(st: SafetensorsFile): SaeTensors {
  return { shapes: new Map([...st.tensors].map(([name, info]) => [name, info.shape])), read: (name) => owned(st, name) };
}

/** Builds the SAE from a parsed cfg and its tensors, checking every tensor against d_in/d_sae. */
function assembleSae(parsed: ParsedCfg, st: SaeTensors, label: string): LoadedSae {
  const { d_in, d_sae, architecture } = parsed.cfg;
  const found = () => [...st.shapes.keys()].join(', ') || 'none';
  const tensor = (name: string, shape: number[], dims: string): Float32Array => {
    const info = st.shapes.get(name);
    if (!info) {
      throw new SaeWeightsError(
        `${label} has no tensor "${name}" ${dims} (found: ${found()}); a ${architecture} SAE needs ` +
          `W_enc, b_enc, W_dec, b_dec${architecture === 'jumprelu' ? ', threshold' : ''}`,
      );
    }
    if (info.length !== shape.length || info.some((d, i) => d !== shape[i])) {
      const transposed = shape.length === 2 && info.length === 2 && info[0] === shape[1] && info[1] === shape[0];
      throw new SaeWeightsError(
        `${label}: tensor "${name}" has shape ${JSON.stringify(info)}, expected ${dims} = ${JSON.stringify(shape)}` +
          (transposed ? ' (it looks transposed: SAELens stores W_enc as [d_in, d_sae] and W_dec as [d_sae, d_in])' : ` from cfg.json`),
      );
    }
    return st.read(name);
  };

  const w: SaeWeights = {
    W_enc: tensor('W_enc', [d_in, d_sae], '[d_in, d_sae]'),
    b_enc: tensor('b_enc', [d_sae], '[d_sae]'),
    W_dec: tensor('W_dec', [d_sae, d_in], '[d_sae, d_in]'),
    b_dec: tensor('b_dec', [d_in], '[d_in]'),
  };
  if (architecture === 'jumprelu') {
    // Older JumpReLU checkpoints store the trainable log-threshold; SAELens saves exp() of it.
    if (!st.shapes.has('threshold') && st.shapes.has('log_threshold')) {
      w.threshold = tensor('log_threshold', [d_sae], '[d_sae]').map(Math.exp);
    } else {
      w.threshold = tensor('threshold', [d_sae], '[d_sae]');
    }
  }

  // SAELens ≤ 5's finetuning scale multiplies each latent before decoding: fold it into that W_dec row.
  const ftName = ['finetuning_scaling_factor', 'scaling_factor'].find((n) => st.shapes.has(n));
  if (ftName) {
    const sf = tensor(ftName, [d_sae], '[d_sae]');
    for (let j = 0; j < d_sae; j++) if (sf[j] !== 1) for (let c = 0; c < d_in; c++) w.W_dec[j * d_in + c] *= sf[j];
  }

  let cfg = parsed.cfg;
  let weights = w;
  if (cfg.normalize_activations === 'expected_average_only_in') {
    const s = parsed.normScale ?? scalarTensor(st, ['norm_scaling_factor', 'estimated_norm_scaling_factor']);
    if (s === undefined) {
      throw new SaeConfigError(
        `${parsed.label} sets normalize_activations "expected_average_only_in" but stores no scaling factor, so the SAE ` +
          'expects inputs multiplied by a dataset-wide scale we cannot know. Fold it in SAELens ' +
          '(sae.fold_activation_norm_scaling_factor(s), then save), or add "norm_scaling_factor": s to cfg.json.',
      );
    }
    weights = foldActivationScale(w, s);
    cfg = { ...cfg, normalize_activations: 'none' };
  }
  checkSaeWeights(cfg, weights);
  return { cfg, weights };
}

/** A tensor as float32 that owns its memory: not a view pinning (or aliasing) the whole file's bytes. */
function owned(st: SafetensorsFile, name: string): Float32Array {
  const t = tensorToF32(st, name);
  return t.buffer === st.body.buffer ? t.slice() : t;
}

function scalarTensor(st: SaeTensors, names: string[]): number | undefined {
  for (const name of names) {
    const shape = st.shapes.get(name);
    if (shape && shape.reduce((a, b) => a * b, 1) === 1) return st.read(name)[0];
  }
  return undefined;
}

// ---------------------------------------------------------------- sources

/** From bytes already in memory: cfg.json parsed, sae_weights.safetensors raw. */
export function loadSaeLens(files: { cfgJson: unknown; weights: Uint8Array }): LoadedSae {
  const parsed = readCfg(files.cfgJson, SAE_CFG_FILE);
  return assembleSae(parsed, safetensorsTensors(readSafetensorsBytes(files.weights, SAE_WEIGHTS_FILE)), SAE_WEIGHTS_FILE);
}

/**
 * From a cfg.json-shaped object and a state dict already read (e.g. a torch .pt file, ../core/torch-pt.ts) whose
 * keys are SAELens' tensor names (W_enc [d_in, d_sae], b_enc, W_dec [d_sae, d_in], b_dec); checked as a
 * safetensors file is. The tensors' arrays become the SAE's (they are not copied).
 */
export function loadSaeFromStateDict(
  files: { cfgJson: unknown; tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }> },
  label = 'state dict',
  cfgLabel = SAE_CFG_FILE,
): LoadedSae {
  const parsed = readCfg(files.cfgJson, cfgLabel);
  const { tensors } = files;
  const src: SaeTensors = { shapes: new Map([...tensors].map(([name, t]) => [name, t.shape])), read: (name) => tensors.get(name)!.data };
  return assembleSae(parsed, src, label);
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SaeConfigError(`${label} is not valid JSON`);
  }
}

/** Dropped or picked files: cfg.json and sae_weights.safetensors of one SAE folder (others are ignored). */
export async function loadSaeLensFromFiles(files: File[]): Promise<LoadedSae> {
  const pick = (name: string) => {
    const hits = files.filter((f) => f.name === name);
    if (hits.length > 1) throw new ModelFetchError(`found ${hits.length} ${name} files among the dropped files; drop one SAE folder at a time`);
    return hits[0];
  };
  const cfgFile = pick(SAE_CFG_FILE);
  const weightsFile = pick(SAE_WEIGHTS_FILE);
  const missing = [cfgFile ? null : SAE_CFG_FILE, weightsFile ? null : SAE_WEIGHTS_FILE].filter(Boolean);
  if (missing.length) {
    throw new ModelFetchError(`missing ${missing.join(' and ')} among the dropped files (a SAELens SAE folder holds ${SAE_CFG_FILE} and ${SAE_WEIGHTS_FILE})`);
  }
  // cfg first: a config we cannot run fails before the large read.
  const parsed = readCfg(parseJson(await cfgFile!.text(), SAE_CFG_FILE), SAE_CFG_FILE);
  return assembleSae(parsed, safetensorsTensors(await readSafetensorsBlob(weightsFile!, SAE_WEIGHTS_FILE)), SAE_WEIGHTS_FILE);
}

export interface HubSaeOptions extends FetchOptions {
  hubUrl?: string;
  revision?: string;
}

/**
 * From a Hub repo (or a server with its layout); `path` is the SAE's folder inside the repo, e.g.
 * "blocks.8.hook_resid_pre" (SAELens' sae_id folders), or "" when the files sit at the repo root.
 */
export async function loadSaeLensFromHub(repo: string, path: string, opts: HubSaeOptions = {}): Promise<LoadedSae> {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) throw new ModelFetchError(`"${path}" is not a folder inside the repo`);
  const file = (name: string) => [...segments, name].join('/');
  const get = (name: string) =>
    fetchBytes(hubFileUrl(repo, [...segments, name].map(encodeURIComponent).join('/'), opts.hubUrl, opts.revision), file(name), opts);

  const cfgLabel = file(SAE_CFG_FILE);
  const parsed = readCfg(parseJson(new TextDecoder().decode(await get(SAE_CFG_FILE)), cfgLabel), cfgLabel);
  const weightsLabel = file(SAE_WEIGHTS_FILE);
  return assembleSae(parsed, safetensorsTensors(readSafetensorsBytes(await get(SAE_WEIGHTS_FILE), weightsLabel)), weightsLabel);
}
