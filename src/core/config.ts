// GPT-2 family config.json (openai-community/gpt2, distilgpt2, gpt2-medium, …), validated.
import { ModelConfigError } from './errors';

export interface Gpt2Config {
  vocabSize: number;
  nPositions: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nInner: number; // MLP hidden width, 4·nEmbd unless config says otherwise
  layerNormEps: number;
  bosTokenId: number;
  eosTokenId: number;
}

const SUPPORTED_ACTIVATIONS = new Set(['gelu_new', 'gelu_pytorch_tanh']);

function positiveInt(raw: Record<string, unknown>, key: string, fallbackKey?: string): number {
  const value = raw[key] ?? (fallbackKey ? raw[fallbackKey] : undefined);
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ModelConfigError(`config.json: "${key}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Parses a Hugging Face GPT-2 config.json object; throws ModelConfigError naming the offending field. */
export function parseGpt2Config(raw: unknown): Gpt2Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelConfigError('config.json is not a JSON object');
  }
  const cfg = raw as Record<string, unknown>;
  const modelType = cfg.model_type;
  if (modelType !== undefined && modelType !== 'gpt2') {
    throw new ModelConfigError(
      `config.json has model_type "${String(modelType)}"; only GPT-2-family checkpoints (model_type "gpt2") are supported`,
    );
  }
  const activation = cfg.activation_function ?? 'gelu_new';
  if (typeof activation !== 'string' || !SUPPORTED_ACTIVATIONS.has(activation)) {
    throw new ModelConfigError(`config.json: activation_function "${String(activation)}" is not supported (need gelu_new)`);
  }
  const nEmbd = positiveInt(cfg, 'n_embd', 'hidden_size');
  const nHead = positiveInt(cfg, 'n_head', 'num_attention_heads');
  if (nEmbd % nHead !== 0) {
    throw new ModelConfigError(`config.json: n_embd ${nEmbd} is not divisible by n_head ${nHead}`);
  }
  const vocabSize = positiveInt(cfg, 'vocab_size');
  const nInner = cfg.n_inner == null ? 4 * nEmbd : positiveInt(cfg, 'n_inner');
  const eps = cfg.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ModelConfigError('config.json: layer_norm_epsilon must be > 0');
  const eos = typeof cfg.eos_token_id === 'number' ? cfg.eos_token_id : vocabSize - 1;
  const bos = typeof cfg.bos_token_id === 'number' ? cfg.bos_token_id : eos;
  return {
    vocabSize,
    nPositions: positiveInt(cfg, 'n_positions', 'n_ctx'),
    nEmbd,
    nLayer: positiveInt(cfg, 'n_layer', 'num_hidden_layers'),
    nHead,
    nInner,
    layerNormEps: eps,
    bosTokenId: bos,
    eosTokenId: eos,
  };
}

export function headDim(cfg: Gpt2Config): number {
  return cfg.nEmbd / cfg.nHead;
}
