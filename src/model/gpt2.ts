// A GPT-2 ready to run: an onnxruntime-web session plus what the graph exposes (hooks, steering).
import type { Gpt2Config } from '../core/config';
import { OnnxContractError, RuntimeError, describeError } from '../core/errors';
import { hookDim, hookNames, splitHeadKey } from '../core/hooks';
import { HF_RAW, type TlSettings } from '../core/tl-settings';
import type { Gpt2Weights } from '../core/weights';
import { type Gpt2BuildOptions, INPUT_IDS, LOGITS, LOGITS_LAST, STEER_INPUT, buildGpt2Onnx } from './gpt2-onnx';
import { KvCache } from './kv-cache';
import { type Backend, type BackendStatus, createSession, ort, runExclusive } from './runtime';

export { KvCache } from './kv-cache';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export interface SteerSpec {
  data: Float32Array; // [sB, sT, dim] row-major, sB ∈ {1, B}, sT ∈ {1, T}
  shape: [number, number, number];
}

export interface ForwardResult {
  logits: HostTensor | null; //     [B, T, V]
  logitsLast: HostTensor | null; // [B, V]
  hooks: Record<string, HostTensor>; // each [B, T, dim]
}

export interface CachedForwardResult extends ForwardResult {
  present: KvCache; // the past fed in plus the new positions: per layer [B, n_head, P+T, head_dim]
}

export interface ModelTimings {
  buildMs: number; // ONNX graph construction (0 for a pre-built .onnx)
  sessionMs: number; // onnxruntime session creation (graph optimisation, weight upload)
}

export class Gpt2Model {
  readonly hooks: string[];
  readonly steerable: boolean;
  readonly steerDim: number;
  /** Built with kvCache: takes past_key_values.* and returns present.* (see forwardWithCache). */
  readonly kvCache: boolean;

  constructor(
    readonly session: ort.InferenceSession,
    readonly cfg: Gpt2Config,
    readonly status: BackendStatus,
    readonly steerAt: string | null,
    readonly timings: ModelTimings,
    /** The TransformerLens weight processing its values follow. */
    readonly tl: TlSettings = HF_RAW,
  ) {
    const valid = new Set(hookNames(cfg.nLayer));
    this.hooks = session.outputNames.filter((n) => valid.has(splitHeadKey(n).hook)); // one-head keys too
    this.steerable = session.inputNames.includes(STEER_INPUT);
    this.steerDim = this.steerable ? steerDimOf(session, cfg, steerAt) : 0;
    this.kvCache = session.inputNames.includes(KvCache.keyInput(0));
  }

  /** Runs a batch of equal-length token sequences. ids: [B][T]. Outputs are read back to the CPU. */
  async forward(ids: number[][], opts: { steer?: SteerSpec } = {}): Promise<ForwardResult> {
    const out = await this.forwardTensors(ids, opts);
    if (this.kvCache) KvCache.take(out, this.cfg.nLayer).dispose(); // a plain forward has no use for it
    return readOutputs(out);
  }

  /**
   * Incremental decoding: runs `ids` ([B][T], the tokens after the cached ones) on top of `past`
   * (null = empty, i.e. prefill). Logits and hooks cover the T new positions only. `past` is left to
   * the caller (dispose it once it is no longer needed); `present` is new and owned by the caller too.
   * A steering vector [sB, 1 or T, dim] applies to the new positions.
   */
  async forwardWithCache(ids: number[][], past: KvCache | null, opts: { steer?: SteerSpec } = {}): Promise<CachedForwardResult> {
    if (!this.kvCache) throw new RuntimeError('this model was built without a KV cache (create it with kvCache: true)');
    const out = await this.forwardTensors(ids, { ...opts, past });
    const present = KvCache.take(out, this.cfg.nLayer);
    return { ...(await readOutputs(out)), present };
  }

  /**
   * Runs the model and returns onnxruntime tensors as they come: in GPU buffers when the model was
   * opened with keepOnGpu on WebGPU. The caller owns them and must dispose() GPU tensors.
   */
  async forwardTensors(ids: number[][], opts: { steer?: SteerSpec; past?: KvCache | null } = {}): Promise<Record<string, ort.Tensor>> {
    const B = ids.length;
    const T = ids[0]?.length ?? 0;
    if (B === 0 || T === 0) throw new RuntimeError('forward needs at least one non-empty sequence');
    const P = opts.past?.length ?? 0;
    if (P + T > this.cfg.nPositions) {
      throw new RuntimeError(`${P} cached + ${T} new tokens exceed the model's ${this.cfg.nPositions} positions`);
    }
    const flat = new BigInt64Array(B * T);
    ids.forEach((row, b) => {
      if (row.length !== T) throw new RuntimeError('all sequences in a batch must have the same length');
      row.forEach((id, t) => {
        if (!(id >= 0 && id < this.cfg.vocabSize)) throw new RuntimeError(`token id ${id} is outside the vocabulary (0…${this.cfg.vocabSize - 1})`);
        flat[b * T + t] = BigInt(id);
      });
    });
    const feeds: Record<string, ort.Tensor> = { [INPUT_IDS]: new ort.Tensor('int64', flat, [B, T]) };
    if (opts.steer && !this.steerable) {
      throw new RuntimeError('this model was built without a steering input (choose a steering hook when loading)');
    }
    if (this.steerable) {
      const steer = opts.steer ?? { data: new Float32Array(this.steerDim), shape: [1, 1, this.steerDim] };
      feeds[STEER_INPUT] = new ort.Tensor('float32', steer.data, steer.shape);
    }
    if (this.kvCache) Object.assign(feeds, (opts.past ?? KvCache.empty(this.cfg, B)).feeds(B));
    try {
      return (await runExclusive(() => this.session.run(feeds))) as Record<string, ort.Tensor>;
    } catch (err) {
      throw new RuntimeError(`forward pass failed: ${describeError(err)}`);
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function steerDimOf(session: ort.InferenceSession, cfg: Gpt2Config, steerAt: string | null): number {
  if (steerAt) return hookDim(steerAt, cfg);
  const meta = session.inputMetadata?.find((m) => m.name === STEER_INPUT);
  const last = meta && meta.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
  if (typeof last !== 'number') throw new OnnxContractError('the .onnx "steer" input must have a fixed last dimension');
  return last;
}

/** Reads logits and hooks back to the host (present.* must have been taken out already). */
async function readOutputs(out: Record<string, ort.Tensor>): Promise<ForwardResult> {
  const result: ForwardResult = { logits: null, logitsLast: null, hooks: {} };
  for (const [name, tensor] of Object.entries(out)) {
    const host = await toHost(tensor);
    if (name === LOGITS) result.logits = host;
    else if (name === LOGITS_LAST) result.logitsLast = host;
    else result.hooks[name] = host;
  }
  return result;
}

async function toHost(t: ort.Tensor): Promise<HostTensor> {
  const data = t.location === 'cpu' ? (t.data as Float32Array) : ((await t.getData(true)) as Float32Array); // true: release the GPU buffer
  return { shape: [...t.dims], data };
}

/** Builds the ONNX graph from weights and opens it on the chosen backend. */
export async function createGpt2Model(
  weights: Gpt2Weights,
  cfg: Gpt2Config,
  opts: Gpt2BuildOptions & { backend?: Backend; keepOnGpu?: boolean } = {},
): Promise<Gpt2Model> {
  const t0 = performance.now();
  const onnx = buildGpt2Onnx(weights, cfg, opts);
  const t1 = performance.now();
  const { session, status } = await createSession(onnx, opts.backend ?? 'webgpu', opts.keepOnGpu);
  const t2 = performance.now();
  return new Gpt2Model(session, cfg, status, opts.steerAt ?? null, { buildMs: t1 - t0, sessionMs: t2 - t1 }, opts.tl ?? HF_RAW);
}

/** Opens a pre-built .onnx that follows the naming contract (docs/onnx-contract.md). */
export async function openPrebuiltOnnx(bytes: Uint8Array, cfg: Gpt2Config, backend: Backend = 'webgpu', steerAt: string | null = null): Promise<Gpt2Model> {
  const t0 = performance.now();
  const { session, status } = await createSession(bytes, backend);
  if (!session.inputNames.includes(INPUT_IDS)) {
    await session.release();
    throw new OnnxContractError(`the .onnx has inputs [${session.inputNames.join(', ')}]; it needs "${INPUT_IDS}" (int64 [batch, seq])`);
  }
  if (!session.outputNames.includes(LOGITS) && !session.outputNames.includes(LOGITS_LAST)) {
    await session.release();
    throw new OnnxContractError(`the .onnx has outputs [${session.outputNames.join(', ')}]; it needs "${LOGITS}" or "${LOGITS_LAST}"`);
  }
  // onnxruntime-web does not expose metadata properties, so a pre-built file is taken as the raw Hugging Face model.
  return new Gpt2Model(session, cfg, status, steerAt, { buildMs: 0, sessionMs: performance.now() - t0 });
}
