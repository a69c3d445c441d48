// Whether an SAE can be used with a model: checked when the SAE is added, on its row whenever the loaded model
// changes, and by the worker before every job that runs the SAE on the live model (steering, attribution,
// interventions, inspection, evals, head writes). The row and the worker's refusal use the same message, which
// says what does not fit and what to do. An SAE that does not fit is still stored: it may be for a model the user
// loads later. (A file that is not an SAE at all, cfg and weights disagreeing, is refused by loadSaeLens.)
import type { Gpt2Config } from '../core/config';
import { LabError } from '../core/errors';
import { hookDim, parseHook } from '../core/hooks';
import { modelLabel, sameModel } from '../core/model-names';
import { HF_RAW, type TlSettings, settingsThatChange } from '../core/tl-settings';
import { settingsProblem } from '../sae/tl-adapt';

/** The SAE's model/hook fields (an SaeInfo or a cfg.json's, renamed). */
export interface FitSae {
  hook: string;
  dIn: number;
  modelName: string;
  tl: TlSettings;
}

/** The model it would run with: the loaded one (hasWeights false for a pre-built .onnx). */
export interface FitModel {
  id: string;
  cfg: Gpt2Config;
  hasWeights: boolean;
}

/** Where the activations come from and the settings they follow; default: the live model (HF_RAW). */
export interface FitSource {
  tl: TlSettings;
  label: string; // e.g. 'the loaded model computes it', 'run "moby" stored it'
}

export type SaeMisfitKind = 'hook' | 'width' | 'model' | 'settings';

export interface SaeMisfit {
  kind: SaeMisfitKind;
  message: string;
}

/** An SAE used with a model it does not fit: the message says what differs and what to do. */
export class SaeMismatchError extends LabError {}

const LIVE: FitSource = { tl: HF_RAW, label: 'the loaded model computes it' };

/** Why the SAE cannot run with `model` (the first of: hook, width, model name, settings), or null when it can. */
export function saeMisfit(sae: FitSae, model: FitModel, from: FitSource = LIVE): SaeMisfit | null {
  const other = !sameModel(sae.modelName, model.id);
  const load = `load ${modelLabel(sae.modelName)} (the SAE's model_name${modelLabel(sae.modelName) === sae.modelName ? '' : `, ${sae.modelName}`}) to use it`;
  // Same model name yet it does not fit: the file's cfg.json is wrong about its model or its hook.
  const own = (what: string) => `${what}, although the SAE names ${model.id} as its model: it was made for another model or its cfg.json is wrong; fix model_name or hook_name there`;
  let width: number;
  try {
    width = hookDim(sae.hook, model.cfg);
  } catch (err) {
    const why = (err as Error).message;
    return { kind: 'hook', message: other ? `reads ${sae.hook}, which ${model.id} does not have (${why}): ${load}` : own(`reads ${sae.hook}, which ${model.id} does not have (${why})`) };
  }
  if (width !== sae.dIn) {
    const what = `reads ${sae.dIn}-wide ${sae.hook}; ${model.id}'s is ${width} wide`;
    return { kind: 'width', message: other ? `${what}: ${load}` : own(what) };
  }
  if (other) return { kind: 'model', message: `made for ${sae.modelName}, but ${model.id} is loaded: ${load}` };
  const problem = settingsProblem(sae.hook, sae.tl, from.tl);
  if (problem) return { kind: 'settings', message: `reads ${sae.hook} under other model settings than ${from.label} under: ${problem}` };
  const { point } = parseHook(sae.hook, model.cfg);
  const converts = settingsThatChange(point).some((k) => k !== 'center_writing_weights' && sae.tl[k] !== from.tl[k]);
  if (converts && !model.hasWeights) {
    return { kind: 'settings', message: `reads ${sae.hook} under other model settings, and converting to them needs the model's weights: load ${model.id} from its safetensors, not a pre-built .onnx` };
  }
  return null;
}

/** Throws SaeMismatchError with the misfit's message (prefixed with the SAE's name) unless the SAE fits. */
export function assertSaeFits(name: string, sae: FitSae, model: FitModel, from?: FitSource): void {
  const misfit = saeMisfit(sae, model, from);
  if (misfit) throw new SaeMismatchError(`SAE ${name} ${misfit.message}`);
}
