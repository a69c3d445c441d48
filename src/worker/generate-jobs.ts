// Generation inside the engine: one in flight at a time (a newer request cancels the older, so a slider that moves
// quickly only pays for its last position), tokens streamed as they come, optionally steered with SAE features.
import { LabError } from '../core/errors';
import { fitGeneration } from '../core/context-window';
import type { Gpt2Weights } from '../core/weights';
import type { Gpt2Config } from '../core/config';
import { openSaeForLive } from '../analysis/sae-registry';
import { generate } from '../model/generate';
import { type Gpt2Model, createGpt2Model } from '../model/gpt2';
import type { Backend } from '../model/runtime';
import { additiveSteer, needsActivations, steerFor } from '../model/steering';
import type { Gpt2Tokenizer } from '../model/tokenizer';
import type { StoreDb } from '../store/schema';
import { tokenLabel, tokenPieces } from '../model/token-text';
import type { GenerateRequest, GenerateResult } from './protocol';

/** One streamed token (the 'generate' progress detail). */
export interface GeneratedToken {
  index: number;
  id: number;
  token: string;
  text: string;
}

export interface GenerationModel {
  id: string;
  cfg: Gpt2Config;
  weights: Gpt2Weights | null;
  tokenizer: Gpt2Tokenizer;
  backend: Backend;
}

export class GenerateJobs {
  private net: { key: string; model: Gpt2Model } | null = null;
  private control: AbortController | null = null;
  private running: Promise<unknown> = Promise.resolve();

  async generate(db: StoreDb, m: GenerationModel, r: GenerateRequest, onToken: (t: GeneratedToken) => void): Promise<GenerateResult> {
    this.control?.abort();
    const control = (this.control = new AbortController());
    // One onnxruntime session serves every generation: wait for the cancelled one to reach its next step boundary.
    const previous = this.running;
    const run = previous.catch(() => undefined).then(() => this.run(db, m, r, onToken, control));
    this.running = run;
    return run;
  }

  private async run(db: StoreDb, m: GenerationModel, r: GenerateRequest, onToken: (t: GeneratedToken) => void, control: AbortController): Promise<GenerateResult> {
    if (control.signal.aborted) return { ids: [], tokens: [], text: '', cut: null, clamped: null, cancelled: true };
    try {
      // At least 1 new token, prompt + new ≤ the context: BOS and the prompt's last tokens, and the result says so.
      const fit = fitGeneration(m.tokenizer.encode(r.prompt), r.maxTokens, { nPositions: m.cfg.nPositions, bos: m.cfg.bosTokenId });
      const saeId = r.steering?.saeId ?? r.saeId ?? null;
      const sae = saeId ? await openSaeForLive(db, saeId, m) : null;
      const hook = sae?.cfg.hook_name ?? null;
      const model = await this.model(m, hook);
      if (control.signal.aborted) return { ids: [], tokens: [], text: '', cut: null, clamped: null, cancelled: true };
      const prompt = fit.ids;
      const steers = r.steering?.steers ?? [];
      const steering = sae && steers.length ? { cfg: sae.cfg, weights: sae.weights } : null;
      const out: number[] = [];
      for await (const t of generate(model, prompt, {
        ...r.sampling,
        maxTokens: fit.newTokens,
        eosTokenId: m.cfg.eosTokenId,
        signal: control.signal,
        steer: steering && !needsActivations(steering, steers) ? additiveSteer(steering, steers) : undefined,
        steerFrom: steering && needsActivations(steering, steers) ? (x, T) => steerFor(steering, steers, x, T) : undefined,
      })) {
        out.push(t.id);
        // The whole continuation so far, decoded as one byte stream: a character split over tokens appears once its
        // last byte has come (O(n²) over a continuation of at most the context window: negligible next to a step).
        const text = tokenPieces(out, m.tokenizer, { open: true }).map((p) => p.text).join('');
        onToken({ index: out.length - 1, id: t.id, token: tokenLabel(t.id, m.tokenizer), text });
      }
      const tokens = tokenPieces(out, m.tokenizer).map((p) => p.text);
      return { ids: out, tokens, text: m.tokenizer.decode(out), cut: fit.cut, clamped: fit.clamped, cancelled: control.signal.aborted };
    } finally {
      if (this.control === control) this.control = null;
    }
  }

  cancel(): void {
    this.control?.abort();
  }

  /** A KV-cache model with logits for the last position, steerable (and exposing) the SAE's hook if any. */
  private async model(m: GenerationModel, hook: string | null): Promise<Gpt2Model> {
    const key = `${m.id}|${hook ?? ''}|${m.backend}`;
    if (this.net?.key === key) return this.net.model;
    if (!m.weights) throw new LabError('generation needs a model loaded from safetensors (a pre-built .onnx has no KV cache)');
    await this.net?.model.dispose();
    this.net = null;
    const model = await createGpt2Model(m.weights, m.cfg, { backend: m.backend, kvCache: true, logits: 'last', ...(hook ? { steerAt: hook, hooks: [hook] } : {}), modelId: m.id });
    this.net = { key, model };
    return model;
  }

  async dispose(): Promise<void> {
    this.control?.abort();
    await this.net?.model.dispose();
    this.net = null;
  }
}
