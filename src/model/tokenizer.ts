// Byte-level BPE tokenizer from tokenizer.json via @huggingface/tokenizers.
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelConfigError } from '../core/errors';

export interface Gpt2Tokenizer {
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** The text of one token as it appears in context (e.g. " whale"), for token strips. */
  tokenText(id: number): string;
  vocabSize: number;
}

export function loadTokenizer(json: unknown, config: Record<string, unknown> = {}): Gpt2Tokenizer {
  if (typeof json !== 'object' || json === null || !('model' in json)) {
    throw new ModelConfigError('tokenizer.json is not a Hugging Face tokenizer file (no "model" field)');
  }
  const tok = new Tokenizer(json, config);
  const vocab = (json as { model: { vocab?: Record<string, number> } }).model.vocab ?? {};
  const added = (json as { added_tokens?: { id: number }[] }).added_tokens ?? [];
  const vocabSize = Math.max(Object.keys(vocab).length, ...added.map((t) => t.id + 1));
  return {
    // GPT-2 adds no special tokens when encoding; BOS is the caller's choice (prepend_bos).
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    // @huggingface/tokenizers throws "token_ids must be a non-empty array of integers." for []: nothing decodes to ''.
    decode: (ids) => (ids.length === 0 ? '' : tok.decode(ids, { skip_special_tokens: false })),
    tokenText: (id) => tok.decode([id], { skip_special_tokens: false }),
    vocabSize,
  };
}
