// Byte-level BPE tokenizer from tokenizer.json via @huggingface/tokenizers.
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelConfigError } from '../core/errors';

export interface Gpt2Tokenizer {
  encode(text: string): number[];
  /** The text of `ids`, exactly as the model's bytes spell it ('' for none). */
  decode(ids: number[]): string;
  /**
   * The text of one token as it appears in context (e.g. " whale"). A token holding part of a character decodes to
   * "�": pages show tokens through src/model/token-text.ts, which works from tokenBytes instead.
   */
  tokenText(id: number): string;
  /** The UTF-8 bytes one token stands for (a byte-level token may hold part of a character). */
  tokenBytes(id: number): Uint8Array;
  vocabSize: number;
}

interface TokenizerJson {
  model: { vocab?: Record<string, number> };
  added_tokens?: { id: number; content: string }[];
  decoder?: { type?: string } | null;
}

export function loadTokenizer(json: unknown, config: Record<string, unknown> = {}): Gpt2Tokenizer {
  if (typeof json !== 'object' || json === null || !('model' in json)) {
    throw new ModelConfigError('tokenizer.json is not a Hugging Face tokenizer file (no "model" field)');
  }
  // transformers.js' clean-up of spaces before punctuation is on by default; it makes GPT-2 text lossy (" ." → "."),
  // so the lab always turns it off: every page shows the text the model read.
  const tok = new Tokenizer(json, { ...config, clean_up_tokenization_spaces: false });
  const file = json as TokenizerJson;
  const vocab = file.model.vocab ?? {};
  const added = file.added_tokens ?? [];
  const vocabSize = Math.max(Object.keys(vocab).length, ...added.map((t) => t.id + 1));
  const decode = (ids: number[]) => (ids.length ? tok.decode(ids, { skip_special_tokens: false }) : ''); // the library throws on []
  return {
    // GPT-2 adds no special tokens when encoding; BOS is the caller's choice (prepend_bos).
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode,
    tokenText: (id) => decode([id]),
    tokenBytes: tokenBytesOf(file, decode),
    vocabSize,
  };
}

/** GPT-2's bytes_to_unicode inverted: the byte each character of a byte-level vocabulary entry stands for. */
function unicodeToByte(): Map<string, number> {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<string, number>();
  let next = 256;
  for (let b = 0; b < 256; b++) map.set(String.fromCodePoint(printable(b) ? b : next++), b);
  return map;
}

/**
 * Per id, the bytes of its vocabulary entry (byte-level BPE spells each byte as one character) or, for added tokens
 * such as <|endoftext|> and for a tokenizer that is not byte-level, the UTF-8 of its decoded text.
 */
function tokenBytesOf(file: TokenizerJson, decode: (ids: number[]) => string): (id: number) => Uint8Array {
  const utf8 = new TextEncoder();
  const byId = new Map<number, Uint8Array>();
  const addedIds = new Set((file.added_tokens ?? []).map((t) => t.id));
  if (file.decoder?.type === 'ByteLevel') {
    const toByte = unicodeToByte();
    for (const [entry, id] of Object.entries(file.model.vocab ?? {})) {
      if (addedIds.has(id)) continue;
      const bytes = Array.from(entry, (c) => toByte.get(c));
      if (bytes.every((b) => b !== undefined)) byId.set(id, Uint8Array.from(bytes as number[]));
    }
  }
  return (id) => {
    let b = byId.get(id);
    if (!b) byId.set(id, (b = utf8.encode(decode([id]))));
    return b;
  };
}
