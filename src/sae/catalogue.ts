// The GPT-2 small SAEs SAELens publishes, by SAELens release id and sae_id, as in SAELens 6.18.0's
// sae_lens/pretrained_saes.yaml (repo_id, path, neuronpedia id, config_overrides, norm_scaling_factor), with
// what its loaders read for each (sae_lens/loading/pretrained_sae_loaders.py), and a loader that reads them the
// way SAE.from_pretrained does: cfg.json updated with the release's config_overrides (and neuronpedia_id), then
// sae_weights.safetensors, the yaml's norm_scaling_factor folded in where the cfg says
// normalize_activations "expected_average_only_in".
//
// What can be loaded here:
//   gpt2-small-res-jb, gpt2-small-res-jb-feature-splitting, gpt2-small-mlp-tm: SAELens folders
//     (cfg.json + sae_weights.safetensors); loaded in full.
//   gpt2-small-hook-z-kk: Kissane's files at the repo root, read as SAELens' connor_rob_hook_z loader reads them:
//     <name>_cfg.json (the part of the .pt path before ".pt", + "_cfg.json"; only act_size → d_in, dict_size →
//     d_sae and act_name → hook_name are used, everything else hard-coded: standard ReLU, apply_b_dec_to_input,
//     context 128, BOS, openwebtext, normalize "none", reshape_activations "hook_z"; see kkSaeLensCfg) and
//     <name>.pt, torch.save(state_dict()) of W_enc [768, d_sae], W_dec [d_sae, 768], b_enc, b_dec, read by
//     ../core/torch-pt.ts (a strict unpickler: tensors only, nothing run). hook_z is harvested flattened
//     head-major to [pos, 12·64 = 768], exactly SAELens' "hook_z" reshape. No model_from_pretrained_kwargs, so
//     SAELens' defaults: fold_value_biases on, as in Kissane's training (from_pretrained's defaults; its
//     center_writing_weights does not change hook_z).
//   OpenAI v5 (8 releases): jbloom's reformatted SAELens folders (cfg.json + sae_weights.safetensors, converted
//     from OpenAI's .pt: W_enc = encoder.weightᵀ, W_dec = decoder.weightᵀ, b_enc = latent_bias, b_dec = pre_bias),
//     TopK k = 32 with normalize_activations "layer_norm": each token is centred and divided by (its unbiased
//     std + 1e-5) before encoding and the reconstruction is scaled back (y·std + mean) after decoding. That is per
//     token and cannot be folded into the weights, so the loaded SaeConfig keeps normalize_activations
//     "layer_norm" and every path that encodes or decodes applies it (src/sae/layer-norm.ts; statistics, feature
//     pages, inspect, steering, attribution, evals). Loaded in full; acceptLayerNorm is still accepted and ignored.
import { type Gpt2Config, parseGpt2Config } from '../core/config';
import { describeError } from '../core/errors';
import { hookDim, parseHook } from '../core/hooks';
import { type FetchOptions, fetchBytes, hubFileUrl } from '../model/sources';
import { readTorchPt } from '../core/torch-pt';
import { SaeConfigError } from './sae';
import { type LoadedSae, SAE_CFG_FILE, SAE_WEIGHTS_FILE, loadSaeFromStateDict, loadSaeLens, parseSaeLensCfg } from './saelens';

export const NEURONPEDIA_URL = 'https://www.neuronpedia.org';

/**
 * How a release's files are stored. 'saelens': a folder with cfg.json + sae_weights.safetensors (SAELens' default
 * loader). 'kk-pt': Kissane's pickled torch state dict (.pt) + <name>_cfg.json (SAELens' connor_rob_hook_z).
 */
export type CatalogueFormat = 'saelens' | 'kk-pt';

export interface CatalogueEntry {
  id: string; //                  SAELens sae_id
  path: string; //                folder (or file, for kk-pt) inside the repo
  hook: string; //                the TransformerLens hook it reads (kk: blocks.L.attn.hook_z, although the id says blocks.L.hook_z)
  layer: number;
  width: number; //               d_sae
  neuronpedia: string | null; //  Neuronpedia id, e.g. "gpt2-small/8-res-jb"; null: no dashboards
  normScalingFactor?: number; //  the yaml's norm_scaling_factor (mlp-tm)
}

export interface CatalogueRelease {
  release: string;
  repo_id: string;
  model: 'gpt2-small';
  format: CatalogueFormat;
  conversion_func: string | null; //                  as in the yaml (null: SAELens' default loader)
  config_overrides: Record<string, unknown>; //      merged into cfg.json at load, as SAELens does
  model_from_pretrained_kwargs: Record<string, boolean> | null; // from config_overrides (null: none given)
  /** The Neuronpedia id pattern, {layer} standing for the layer (or the release's own convention: see entries). */
  neuronpedia: string | null;
  d_in: number;
  architecture: 'standard' | 'topk';
  k?: number;
  /** Per-token normalization the SAE applies at run time (OpenAI v5): its cfg.json's normalize_activations. */
  runtimeNormalization: 'none' | 'layer_norm';
  loadable: boolean; //        whether loadCatalogueSae returns it
  reason?: string; //          why not, or what the caller must do
  saes: CatalogueEntry[];
}

const LAYERS = Array.from({ length: 12 }, (_, l) => l);
const OWT = 'Skylion007/openwebtext';
const CWW = { center_writing_weights: true };

const KK_FILES: [l1: string, ds: number, dc: string, version: string][] = [
  ['1.80e+00', 24576, '1.00e-06', 'v9'],
  ['8.00e-01', 24576, '1.00e-06', 'v5'],
  ['1.00e+00', 24576, '1.00e-06', 'v4'],
  ['9.00e-01', 24576, '1.00e-06', 'v9'],
  ['1.10e+00', 24576, '1.00e-06', 'v7'],
  ['1.00e+00', 49152, '1.00e-06', 'v9'],
  ['1.10e+00', 24576, '1.00e-06', 'v9'],
  ['1.10e+00', 49152, '1.00e-06', 'v9'],
  ['1.30e+00', 24576, '1.00e-05', 'v6'],
  ['1.20e+00', 24576, '1.00e-06', 'v9'],
  ['1.30e+00', 24576, '1.00e-05', 'v9'],
  ['3.00e+00', 24576, '3.16e-06', 'v9'],
];

// sae_group_gpt2_blocks.L.hook_mlp_out_24576:vX and norm_scaling_factor, L = 0..11
const TM_VERSION = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2];
const TM_NORM = [
  1.049317316132615, 2.3693984005104283, 1.6411934982190302, 1.8958522157897557, 1.81673478700627, 1.550234472245924,
  1.3237742807210804, 1.1042905114723296, 0.9123762783479742, 0.6955335635232373, 0.3619728926727644, 0.2851548652550073,
];


function v5(kind: 'resid-post' | 'mlp-out' | 'attn-out' | 'resid-mid', size: '32k' | '128k'): CatalogueRelease {
  const hook = { 'resid-post': 'hook_resid_post', 'mlp-out': 'hook_mlp_out', 'attn-out': 'hook_attn_out', 'resid-mid': 'hook_resid_mid' }[kind];
  const np = { 'resid-post': 'res_post', 'mlp-out': 'mlp', 'attn-out': 'att', 'resid-mid': 'res_mid' }[kind];
  const width = size === '32k' ? 32768 : 131072;
  // Only resid-post-32k's folders end in ".pt" (they are still SAELens folders).
  const suffix = kind === 'resid-post' && size === '32k' ? '.pt' : '';
  return {
    release: `gpt2-small-${kind}-v5-${size}`,
    repo_id: `jbloom/GPT2-Small-OAI-v5-${size}-${kind}-SAEs`,
    model: 'gpt2-small',
    format: 'saelens',
    conversion_func: null,
    config_overrides: { dataset_path: OWT },
    model_from_pretrained_kwargs: null,
    neuronpedia: `gpt2-small/{layer}-${np}_${size}-oai`,
    d_in: 768,
    architecture: 'topk',
    k: 32,
    runtimeNormalization: 'layer_norm',
    loadable: true,
    saes: LAYERS.map((l) => ({
      id: `blocks.${l}.${hook}`,
      path: `v5_${size}_layer_${l}${suffix}`,
      hook: `blocks.${l}.${hook}`,
      layer: l,
      width,
      neuronpedia: `gpt2-small/${l}-${np}_${size}-oai`,
    })),
  };
}

const RELEASES: readonly CatalogueRelease[] = Object.freeze([
  {
    release: 'gpt2-small-res-jb',
    repo_id: 'jbloom/GPT2-Small-SAEs-Reformatted',
    model: 'gpt2-small',
    format: 'saelens',
    conversion_func: null,
    config_overrides: { model_from_pretrained_kwargs: CWW },
    model_from_pretrained_kwargs: CWW,
    neuronpedia: 'gpt2-small/{layer}-res-jb', // resid_pre of layer L; blocks.11.hook_resid_post is "12-res-jb"
    d_in: 768,
    architecture: 'standard',
    runtimeNormalization: 'none',
    loadable: true,
    saes: [
      ...LAYERS.map((l) => ({
        id: `blocks.${l}.hook_resid_pre`,
        path: `blocks.${l}.hook_resid_pre`,
        hook: `blocks.${l}.hook_resid_pre`,
        layer: l,
        width: 24576,
        neuronpedia: `gpt2-small/${l}-res-jb`,
      })),
      {
        id: 'blocks.11.hook_resid_post',
        path: 'blocks.11.hook_resid_post',
        hook: 'blocks.11.hook_resid_post',
        layer: 11,
        width: 24576,
        neuronpedia: 'gpt2-small/12-res-jb',
      },
    ],
  },
  {
    release: 'gpt2-small-res-jb-feature-splitting',
    repo_id: 'jbloom/GPT2-Small-Feature-Splitting-Experiment-Layer-8',
    model: 'gpt2-small',
    format: 'saelens',
    conversion_func: null,
    config_overrides: { model_from_pretrained_kwargs: CWW },
    model_from_pretrained_kwargs: CWW,
    neuronpedia: 'gpt2-small/8-res_fs{width}-jb',
    d_in: 768,
    architecture: 'standard',
    runtimeNormalization: 'none',
    loadable: true,
    saes: [768, 1536, 3072, 6144, 12288, 24576, 49152, 98304].map((n) => ({
      id: `blocks.8.hook_resid_pre_${n}`,
      path: `blocks.8.hook_resid_pre_${n}`,
      hook: 'blocks.8.hook_resid_pre', // the cfg.json's hook_point: the id's _N only names the width
      layer: 8,
      width: n,
      neuronpedia: `gpt2-small/8-res_fs${n}-jb`,
    })),
  },
  {
    release: 'gpt2-small-hook-z-kk',
    repo_id: 'ckkissane/attn-saes-gpt2-small-all-layers',
    model: 'gpt2-small',
    format: 'kk-pt',
    conversion_func: 'connor_rob_hook_z',
    config_overrides: {},
    model_from_pretrained_kwargs: null,
    neuronpedia: 'gpt2-small/{layer}-att-kk',
    d_in: 768,
    architecture: 'standard',
    runtimeNormalization: 'none',
    loadable: true,
    saes: LAYERS.map((l) => {
      const [l1, ds, dc, v] = KK_FILES[l];
      return {
        id: `blocks.${l}.hook_z`,
        path: `gpt2-small_L${l}_Hcat_z_lr1.20e-03_l1${l1}_ds${ds}_bs4096_dc${dc}_rsanthropic_rie25000_nr4_${v}.pt`,
        hook: `blocks.${l}.attn.hook_z`,
        layer: l,
        width: ds,
        neuronpedia: `gpt2-small/${l}-att-kk`,
      };
    }),
  },
  {
    release: 'gpt2-small-mlp-tm',
    repo_id: 'tommmcgrath/gpt2-small-mlp-out-saes',
    model: 'gpt2-small',
    format: 'saelens',
    conversion_func: null,
    config_overrides: { dataset_path: OWT, model_from_pretrained_kwargs: CWW },
    model_from_pretrained_kwargs: CWW,
    neuronpedia: null,
    d_in: 768,
    architecture: 'standard',
    runtimeNormalization: 'none',
    loadable: true,
    saes: LAYERS.map((l) => ({
      id: `blocks.${l}.hook_mlp_out`,
      path: `sae_group_gpt2_blocks.${l}.hook_mlp_out_24576:v${TM_VERSION[l]}`,
      hook: `blocks.${l}.hook_mlp_out`,
      layer: l,
      width: 24576,
      neuronpedia: null,
      normScalingFactor: TM_NORM[l],
    })),
  },
  v5('resid-post', '32k'),
  v5('resid-post', '128k'),
  v5('mlp-out', '32k'),
  v5('mlp-out', '128k'),
  v5('attn-out', '32k'),
  v5('attn-out', '128k'),
  v5('resid-mid', '32k'),
  v5('resid-mid', '128k'),
]);

/** GPT-2 small (openai-community/gpt2), the model every release here was trained on. */
export const GPT2_SMALL: Gpt2Config = parseGpt2Config({ model_type: 'gpt2', vocab_size: 50257, n_positions: 1024, n_embd: 768, n_layer: 12, n_head: 12 });

export function listReleases(): readonly CatalogueRelease[] {
  return RELEASES;
}

export function catalogueRelease(release: string): CatalogueRelease {
  const r = RELEASES.find((x) => x.release === release);
  if (!r) throw new SaeConfigError(`unknown SAE release "${release}"; the catalogue has ${RELEASES.map((x) => x.release).join(', ')}`);
  return r;
}

export function catalogueEntry(release: string, saeId: string): CatalogueEntry {
  const r = catalogueRelease(release);
  const e = r.saes.find((s) => s.id === saeId);
  if (!e) throw new SaeConfigError(`release ${release} has no SAE "${saeId}"; its sae_ids are ${r.saes.map((s) => s.id).join(', ')}`);
  return e;
}

/** The feature's Neuronpedia page (https://www.neuronpedia.org/{neuronpedia id}/{feature}), or null when it has none. */
export function neuronpediaUrl(entry: Pick<CatalogueEntry, 'neuronpedia' | 'width'>, feature: number): string | null {
  if (!Number.isInteger(feature) || feature < 0 || feature >= entry.width) {
    throw new SaeConfigError(`feature ${feature} is not a latent index in 0…${entry.width - 1}`);
  }
  return entry.neuronpedia ? `${NEURONPEDIA_URL}/${entry.neuronpedia}/${feature}` : null;
}

// ---------------------------------------------------------------- loading

export interface CatalogueLoadOptions extends FetchOptions {
  hubUrl?: string;
  revision?: string;
  /** The model the SAE will read (default GPT-2 small): d_in must match the hook's width in it. */
  model?: Gpt2Config;
  /**
   * Ignored. Once needed for OpenAI's v5 releases, which now load like the others: their SaeConfig says
   * normalize_activations "layer_norm" and every encoder and decoder applies it.
   */
  acceptLayerNorm?: boolean;
}

export interface CatalogueSae extends LoadedSae {
  release: string;
  entry: CatalogueEntry;
  neuronpediaId: string | null;
  /** cfg.normalize_activations as a flag for the UI: "layer_norm" for OpenAI's v5 SAEs (applied by encode/decode). */
  runtimeNormalization: 'none' | 'layer_norm';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * cfg.json with the release's overrides, as SAELens' `cfg.update(config_overrides)` (plus neuronpedia_id, and the
 * yaml's norm_scaling_factor). Written at the top level and into any nested metadata, where newer files keep
 * model/hook fields (and where our reader looks first).
 */
export function applyCatalogueOverrides(cfgJson: unknown, release: CatalogueRelease, entry: CatalogueEntry): Json {
  if (!isObject(cfgJson)) throw new SaeConfigError(`${entry.path}/${SAE_CFG_FILE} is not a JSON object`);
  const over: Json = { ...release.config_overrides, neuronpedia_id: entry.neuronpedia };
  if (entry.normScalingFactor !== undefined) over.norm_scaling_factor = entry.normScalingFactor;
  const out: Json = { ...cfgJson, ...over };
  for (const key of ['metadata', 'meta']) if (isObject(cfgJson[key])) out[key] = { ...(cfgJson[key] as Json), ...over };
  return out;
}

/** SAELens' config path for a connor_rob_hook_z .pt: `folder_name.split(".pt")[0] + "_cfg.json"`. */
export function kkCfgFile(ptPath: string): string {
  return `${ptPath.split('.pt')[0]}_cfg.json`;
}

/**
 * The cfg SAELens' get_connor_rob_hook_z_config_from_hf builds from Kissane's training cfg (<name>_cfg.json):
 * act_size, dict_size and act_name are read, the rest is fixed. (SAELens then adds the release's overrides and
 * neuronpedia_id, as applyCatalogueOverrides does.)
 */
export function kkSaeLensCfg(kkCfg: unknown, label = 'kk _cfg.json'): Json {
  if (!isObject(kkCfg)) throw new SaeConfigError(`${label} is not a JSON object`);
  const { act_size, dict_size, act_name } = kkCfg;
  for (const [key, v] of [['act_size', act_size], ['dict_size', dict_size]] as const) {
    if (!Number.isInteger(v) || (v as number) < 1) throw new SaeConfigError(`${label}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (typeof act_name !== 'string' || !act_name.endsWith('_z')) {
    // SAELens' hook_z reshape needs a hook ending in "_z"
    throw new SaeConfigError(`${label}: act_name must name a TransformerLens hook_z (e.g. "blocks.0.attn.hook_z"), got ${JSON.stringify(act_name)}`);
  }
  return {
    architecture: 'standard',
    d_in: act_size,
    d_sae: dict_size,
    dtype: 'float32',
    device: 'cpu',
    model_name: 'gpt2-small',
    hook_name: act_name,
    hook_head_index: null,
    activation_fn: 'relu',
    apply_b_dec_to_input: true,
    finetuning_scaling_factor: false,
    sae_lens_training_version: null,
    prepend_bos: true,
    dataset_path: 'Skylion007/openwebtext',
    context_size: 128,
    normalize_activations: 'none',
    dataset_trust_remote_code: true,
    reshape_activations: 'hook_z',
  };
}

/**
 * Loads one SAE of a release from the Hub (or a server with its layout) as SAELens' SAE.from_pretrained would:
 * the release's config_overrides applied, checked against the catalogue (hook, d_sae) and the model (d_in), and
 * refused before the weights download if anything disagrees.
 */
export async function loadCatalogueSae(release: string, saeId: string, opts: CatalogueLoadOptions = {}): Promise<CatalogueSae> {
  const r = catalogueRelease(release);
  const entry = catalogueEntry(release, saeId);
  const label = `${release} / ${saeId}`;
  if (!r.loadable) throw new SaeConfigError(`${label} cannot be loaded here: ${r.reason}`);

  // Files by their path in the repo: a SAELens folder's two files, or kk's two files at the root.
  const get = (file: string) => fetchBytes(hubFileUrl(r.repo_id, file.split('/').map(encodeURIComponent).join('/'), opts.hubUrl, opts.revision), file, opts);
  const kk = r.format === 'kk-pt';
  const cfgFile = kk ? kkCfgFile(entry.path) : `${entry.path}/${SAE_CFG_FILE}`;
  const weightsFile = kk ? entry.path : `${entry.path}/${SAE_WEIGHTS_FILE}`;
  const cfgLabel = `${r.repo_id}/${cfgFile}`;
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(await get(cfgFile)));
  } catch (err) {
    if (err instanceof SyntaxError) throw new SaeConfigError(`${cfgLabel} is not valid JSON`);
    throw err;
  }
  const cfgJson = applyCatalogueOverrides(kk ? kkSaeLensCfg(raw, cfgLabel) : raw, r, entry);

  // Everything checkable from cfg.json is checked before the large download.
  let cfg;
  try {
    cfg = parseSaeLensCfg(cfgJson, cfgLabel);
  } catch (err) {
    throw err instanceof SaeConfigError ? err : new SaeConfigError(`${cfgLabel}: ${describeError(err)}`);
  }
  const model = opts.model ?? GPT2_SMALL;
  if (cfg.hook_name !== entry.hook) {
    throw new SaeConfigError(`${cfgLabel} says hook ${cfg.hook_name}, but the catalogue has ${label} reading ${entry.hook}`);
  }
  parseHook(cfg.hook_name, model); // the layer exists in this model
  const width = hookDim(cfg.hook_name, model);
  if (cfg.d_in !== width) {
    throw new SaeConfigError(`${cfgLabel}: d_in is ${cfg.d_in}, but ${cfg.hook_name} is ${width} wide in this model (GPT-2 small: ${r.d_in})`);
  }
  if (cfg.d_sae !== entry.width) throw new SaeConfigError(`${cfgLabel}: d_sae is ${cfg.d_sae}, but the catalogue lists ${label} as ${entry.width} wide`);
  const runtimeNormalization = cfg.normalize_activations === 'layer_norm' ? 'layer_norm' : 'none';
  if (runtimeNormalization !== r.runtimeNormalization) {
    throw new SaeConfigError(`${cfgLabel} says normalize_activations ${JSON.stringify(cfg.normalize_activations)}; the catalogue expects ${r.runtimeNormalization === 'layer_norm' ? '"layer_norm"' : 'no run-time normalization'} for ${label}`);
  }
  if (cfg.architecture !== r.architecture || (r.k !== undefined && cfg.k !== r.k)) {
    throw new SaeConfigError(
      `${cfgLabel} describes a ${cfg.architecture}${cfg.k !== undefined ? ` (k ${cfg.k})` : ''} SAE; the catalogue expects ${r.architecture}${r.k !== undefined ? ` (k ${r.k})` : ''}`,
    );
  }

  const weights = await get(weightsFile);
  const loaded = kk
    ? loadSaeFromStateDict({ cfgJson, tensors: readTorchPt(weights, `${r.repo_id}/${weightsFile}`) }, `${r.repo_id}/${weightsFile}`, cfgLabel)
    : loadSaeLens({ cfgJson, weights });
  return { ...loaded, release, entry, neuronpediaId: entry.neuronpedia, runtimeNormalization };
}

/**
 * The Hub dataset a release's SAEs were trained on, where known before loading: the release's config_overrides
 * dataset_path, or openwebtext for Kissane's files (SAELens' loader hard-codes it). Otherwise cfg.json says, once loaded.
 */
export function catalogueDataset(release: CatalogueRelease): string | null {
  const path = release.config_overrides.dataset_path;
  if (typeof path === 'string') return path;
  return release.format === 'kk-pt' ? OWT : null;
}

/** Re-exported for callers that only import the catalogue. */
export { SAE_CFG_FILE, SAE_WEIGHTS_FILE };
