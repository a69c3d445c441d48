// The attention keys and values of the positions a GPT-2 has already seen, per layer, as onnxruntime
// tensors: on the CPU, or in GPU buffers when the model keeps its outputs there, so decoding step after
// step never copies the cache back.
import type { Gpt2Config } from '../core/config';
import { headDim } from '../core/config';
import { RuntimeError } from '../core/errors';
import { pastKeyName, pastValueName, presentKeyName, presentValueName } from './gpt2-onnx';
import { ort } from './runtime';

export class KvCache {
  private disposed = false;

  private constructor(
    readonly keys: ort.Tensor[], //   per layer [B, n_head, P, head_dim]
    readonly values: ort.Tensor[], // per layer [B, n_head, P, head_dim]
  ) {}

  static keyInput(layer: number): string {
    return pastKeyName(layer);
  }

  /** No past positions: the first step (prompt prefill) runs on this. */
  static empty(cfg: Gpt2Config, batch: number): KvCache {
    const dims = [batch, cfg.nHead, 0, headDim(cfg)];
    const make = () => Array.from({ length: cfg.nLayer }, () => new ort.Tensor('float32', new Float32Array(0), dims));
    return new KvCache(make(), make());
  }

  /** Moves the present.* outputs of a run out of `out` into a cache (the rest are logits and hooks). */
  static take(out: Record<string, ort.Tensor>, nLayer: number): KvCache {
    const keys: ort.Tensor[] = [];
    const values: ort.Tensor[] = [];
    for (let l = 0; l < nLayer; l++) {
      const k = out[presentKeyName(l)];
      const v = out[presentValueName(l)];
      if (!k || !v) throw new RuntimeError(`the model returned no ${presentKeyName(l)} / ${presentValueName(l)}`);
      keys.push(k);
      values.push(v);
      delete out[presentKeyName(l)];
      delete out[presentValueName(l)];
    }
    return new KvCache(keys, values);
  }

  get batch(): number {
    return this.keys[0].dims[0];
  }

  /** Number of cached positions P. */
  get length(): number {
    return this.keys[0].dims[2];
  }

  /** The past_key_values.* feeds for a run over `batch` sequences. */
  feeds(batch: number): Record<string, ort.Tensor> {
    if (this.disposed) throw new RuntimeError('this KV cache was disposed; keep the latest `present` for the next step');
    if (batch !== this.batch) throw new RuntimeError(`the KV cache holds ${this.batch} sequences but ${batch} were given`);
    const feeds: Record<string, ort.Tensor> = {};
    this.keys.forEach((k, l) => {
      feeds[pastKeyName(l)] = k;
      feeds[pastValueName(l)] = this.values[l];
    });
    return feeds;
  }

  /** Copies of every layer's keys and values on the host (the cache stays usable). */
  async toHost(): Promise<{ keys: Float32Array[]; values: Float32Array[]; dims: number[] }> {
    const read = (t: ort.Tensor) => (t.location === 'cpu' ? Promise.resolve(t.data as Float32Array) : (t.getData() as Promise<Float32Array>));
    return { keys: await Promise.all(this.keys.map(read)), values: await Promise.all(this.values.map(read)), dims: [...this.keys[0].dims] };
  }

  /** Releases GPU buffers (CPU tensors are left to the garbage collector). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of [...this.keys, ...this.values]) if (t.location === 'gpu-buffer') t.dispose();
  }
}
