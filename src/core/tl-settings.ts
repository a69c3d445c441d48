// TransformerLens' weight-processing options (HookedTransformer.from_pretrained's keyword arguments,
// spelled as SAELens' `model_from_pretrained_kwargs`), and what each changes in what the lab computes.
//   fold_ln                 LayerNorm weights folded into the next linear map: *.hook_normalized is the
//                           pre-affine (x − mean)/scale. Off: TransformerLens' LN, hook_normalized after w, b.
//   center_writing_weights  W_E, W_pos, W_O, b_O, W_out, b_out lose their mean over d_model: every write to
//                           the residual stream (hence resid_*, attn_out, mlp_out, embed) is centred per position.
//   center_unembed          W_U and b_U lose their mean over the vocabulary: each position's logits shift by
//                           their mean (softmax unchanged).
//   fold_value_biases       b_V (incl. ln_1's bias folded into it) moves into b_O: hook_v and hook_z carry no
//                           value bias; attn_out is unchanged since every pattern row sums to 1.
import { ModelSettingsError } from './errors';

export interface TlSettings {
  fold_ln: boolean;
  center_writing_weights: boolean;
  center_unembed: boolean;
  fold_value_biases: boolean;
}

export const TL_KEYS = ['fold_ln', 'center_writing_weights', 'center_unembed', 'fold_value_biases'] as const;

/** SAELens' defaults: from_pretrained's, with center_writing_weights off (LanguageModelSAERunnerConfig.__post_init__). */
export const SAELENS_DEFAULTS: TlSettings = Object.freeze({ fold_ln: true, center_writing_weights: false, center_unembed: true, fold_value_biases: true });

/** HookedTransformer.from_pretrained's own defaults (all on). */
export const TL_FROM_PRETRAINED: TlSettings = Object.freeze({ fold_ln: true, center_writing_weights: true, center_unembed: true, fold_value_biases: true });

/** from_pretrained_no_processing: all off. */
export const NO_PROCESSING: TlSettings = Object.freeze({ fold_ln: false, center_writing_weights: false, center_unembed: false, fold_value_biases: false });

/**
 * What the lab computed before it took these options (and still computes when none are given):
 * the Hugging Face model's activations, with ln_final.hook_normalized before ln_f's affine. That is
 * exactly TransformerLens with fold_ln on and the other three off. Runs and SAEs recorded without
 * settings are read as this.
 */
export const HF_RAW: TlSettings = Object.freeze({ fold_ln: true, center_writing_weights: false, center_unembed: false, fold_value_biases: false });

/** The settings a run recorded (runs from before they were recorded: HF_RAW, what the lab computed then). */
export function recordedTl(tl: TlSettings | undefined): TlSettings {
  return tl ?? HF_RAW;
}

// Keys SAELens configs carry in model_from_pretrained_kwargs that change nothing the lab computes.
const NEUTRAL_KEYS = new Set(['refactor_factored_attn_matrices', 'n_devices', 'device', 'dtype', 'torch_dtype', 'default_prepend_bos', 'first_n_layers']);

/**
 * Settings from a kwargs object (e.g. an SAE's cfg.json `model_from_pretrained_kwargs`): absent keys take
 * SAELens' defaults. Unknown keys, or a refactor_factored_attn_matrices the lab does not implement, are refused.
 */
export function tlSettingsFromKwargs(kwargs: Record<string, unknown> | null | undefined): TlSettings {
  const out: TlSettings = { ...SAELENS_DEFAULTS };
  for (const [key, value] of Object.entries(kwargs ?? {})) {
    if ((TL_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') throw new ModelSettingsError(`model_from_pretrained_kwargs.${key} must be true or false, not ${JSON.stringify(value)}`);
      out[key as keyof TlSettings] = value;
    } else if (key === 'refactor_factored_attn_matrices') {
      if (value) throw new ModelSettingsError('model_from_pretrained_kwargs.refactor_factored_attn_matrices is not supported: the lab does not refactor W_Q·W_Kᵀ / W_V·W_O');
    } else if (!NEUTRAL_KEYS.has(key)) {
      throw new ModelSettingsError(`model_from_pretrained_kwargs has "${key}"; the lab knows ${[...TL_KEYS, ...NEUTRAL_KEYS].join(', ')}`);
    }
  }
  return out;
}

/** The kwargs object that states these settings in full (for manifests, cfg.json and exports). */
export function tlKwargs(s: TlSettings): Record<string, boolean> {
  return Object.fromEntries(TL_KEYS.map((k) => [k, s[k]]));
}

export function sameTlSettings(a: TlSettings, b: TlSettings): boolean {
  return TL_KEYS.every((k) => a[k] === b[k]);
}

export function describeTlSettings(s: TlSettings): string {
  return TL_KEYS.map((k) => `${k}=${s[k]}`).join(', ');
}

/**
 * Which settings change the values at a hook point (TransformerLens point names, e.g. 'hook_resid_post',
 * 'attn.hook_z', 'ln1.hook_normalized'). A run stored under settings A serves an SAE declaring B at
 * that hook when A and B agree on these keys.
 */
export function settingsThatChange(point: string): (keyof TlSettings)[] {
  if (point.endsWith('hook_normalized')) return ['fold_ln'];
  if (point === 'attn.hook_v' || point === 'attn.hook_z') return ['fold_value_biases', 'fold_ln'];
  if (['hook_embed', 'hook_pos_embed', 'hook_resid_pre', 'hook_resid_mid', 'hook_resid_post', 'hook_attn_out', 'hook_mlp_out'].includes(point)) {
    return ['center_writing_weights'];
  }
  return []; // scale, q, k, scores, pattern, mlp pre/post: the same under every setting
}
