// SAE faithfulness in the engine (src/analysis/evals.ts): CE loss recovered, KL to the clean model, FVU and L0 on
// the first windows of a run, with a model that steers at (and exposes) the SAE's hook. The result is saved with
// the SAE, and says whether the windows came from the run the SAE was trained on.
import { sameModel } from '../core/model-names';
import { LabError } from '../core/errors';
import type { Gpt2Config } from '../core/config';
import type { Gpt2Weights } from '../core/weights';
import { type SaeEvalResult, type SaeForEval, saeFaithfulness } from '../analysis/evals';
import { type Gpt2Model, createGpt2Model } from '../model/gpt2';
import type { Backend } from '../model/runtime';
import { RunReader, readWindows } from '../store/reader';
import { getRun } from '../store/runs';
import type { StoreDb } from '../store/schema';

export const DEFAULT_EVAL_WINDOWS = 16;

export interface EvalModel {
  id: string;
  cfg: Gpt2Config;
  weights: Gpt2Weights | null;
  backend: Backend;
}

export interface SaeEvalSummary extends SaeEvalResult {
  runId: string;
  runName: string;
  /** The windows are from the run the SAE was trained on (not held out). */
  trainingRun: boolean;
  at: number;
}

export class EvalJobs {
  private net: { key: string; model: Gpt2Model } | null = null;

  async evaluate(db: StoreDb, m: EvalModel, sae: SaeForEval, runId: string, trainedOn: string | null, nWindows = DEFAULT_EVAL_WINDOWS, onProgress?: (done: number, total: number) => void): Promise<SaeEvalSummary> {
    const run = await getRun(db, runId);
    if (run.modelId !== m.id || !sameModel(sae.cfg.model_name, m.id)) throw new LabError(`evaluating needs the SAE's model (${sae.cfg.model_name}) loaded and a run of it; loaded: ${m.id}, run: ${run.modelId}`);
    const windows: number[][] = [];
    // On the SAE's own training run, its training windows only (the result says "its training data"); the held-out
    // ones are measured during and after training (src/analysis/held-out-evals.ts).
    const reader = runId === trainedOn ? await RunReader.open(db, runId) : null;
    for await (const w of readWindows(db, run)) {
      if (reader && (await reader.isHeldOutWindow(w.global))) continue;
      if (w.ids.length >= 2) windows.push(w.ids);
      if (windows.length >= nWindows) break;
    }
    if (!windows.length) throw new LabError(`run ${run.name} has no windows to evaluate on`);
    const result = await this.faithfulness(m, sae, windows, onProgress);
    return { ...result, runId, runName: run.name, trainingRun: runId === trainedOn, at: Date.now() };
  }

  /** saeFaithfulness on given windows with this engine's eval model (held-out windows during a training). */
  async faithfulness(m: EvalModel, sae: SaeForEval, windows: number[][], onProgress?: (done: number, total: number) => void): Promise<SaeEvalResult> {
    return saeFaithfulness(await this.model(m, sae.cfg.hook_name), sae, windows, { onProgress });
  }

  private async model(m: EvalModel, hook: string): Promise<Gpt2Model> {
    const key = `${m.id}|${hook}|${m.backend}`;
    if (this.net?.key === key) return this.net.model;
    if (!m.weights) throw new LabError('evaluating needs a model loaded from safetensors');
    await this.net?.model.dispose();
    this.net = null;
    const model = await createGpt2Model(m.weights, m.cfg, { backend: m.backend, steerAt: hook, hooks: [hook], logits: 'all', modelId: m.id });
    this.net = { key, model };
    return model;
  }

  async dispose(): Promise<void> {
    await this.net?.model.dispose();
    this.net = null;
  }
}
