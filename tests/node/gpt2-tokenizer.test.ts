// The rebuilt GPT-2 tokenizer.json (tests/helpers/gpt2-tokenizer.ts), loaded through the project's own wrapper,
// must tokenize exactly as gpt-tokenizer's r50k_base (tiktoken's GPT-2 encoding) does: same ids, lossless decode.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as r50kEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Gpt2Tokenizer, loadTokenizer } from '../../src/model/tokenizer';
import { ROOT } from '../helpers/checkpoints';
import { GPT2_EOT_ID, GPT2_VOCAB_SIZE, gpt2TokenizerJsonPath } from '../helpers/gpt2-tokenizer';

// Each entry probes a place where a byte-level BPE port tends to drift from GPT-2: the pre-tokenizer regex
// (whitespace runs, contractions, digits, letters vs punctuation), multi-byte UTF-8, and special-token text.
const CASES: [string, string][] = [
  ['empty', ''],
  ['one space', ' '],
  ['spaces', '    '],
  ['spaces then word', 'a   b    c'],
  ['trailing spaces', 'end   '],
  ['newlines', 'one\n\ntwo\n'],
  ['only newlines', '\n\n\n'],
  ['crlf', 'line\r\nline'],
  ['tabs', '\tindented\t\tx'],
  ['contractions', "it's we've they're I'm you'll he'd don't"],
  ['upper contractions', "IT'S WE'VE"],
  ['digits', '1234567 3.14159 2024-01-01'],
  ['accents', 'café naïve résumé Zürich'],
  ['emoji', 'hi 👋🏽 there 👨‍👩‍👧 🎉'],
  ['CJK', '你好，世界。日本語のテキスト 한국어'],
  ['RTL', 'שלום עולם مرحبا بالعالم'],
  ['endoftext alone', '<|endoftext|>'],
  ['endoftext in text', 'first<|endoftext|>second <|endoftext|> third'],
  ['leading space', ' world'],
  ['punctuation runs', '!!! ??? ... --- ;;; (([[{{}}]])) @#$%^&*'],
  ['very long word', 'pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(8)],
  ['mixed', 'Hello, World! The year is 2024 — naïve 😀 code: `x += 1;` <div>ok</div>\n\tdone.'],
  ['non-breaking and odd spaces', 'a\u00a0b\u2003c\u3000d'],
  ['control chars', 'a\u0000b\u0007c\u007f'],
];

const EOT = '<|endoftext|>';

/**
 * r50k_base's ids with <|endoftext|> allowed, the way tiktoken does it: split on the special token first, BPE each
 * piece. Done by hand because gpt-tokenizer 4.0.0 only finds a special token at the very start of the text or right
 * after another one (findNextSpecialToken runs a sticky /y regex and never advances), so 'a<|endoftext|>b' comes back
 * as plain text there.
 */
function r50kIds(text: string): number[] {
  return text.split(EOT).flatMap((piece, i) => (i ? [GPT2_EOT_ID, ...r50kEncode(piece)] : r50kEncode(piece)));
}

let tok: Gpt2Tokenizer; // as the app loads it (no tokenizer_config)
let exact: Gpt2Tokenizer; // the same file with transformers.js' clean-up of spaces before punctuation turned off
let json: { model: { vocab: Record<string, number>; merges: string[] }; added_tokens: { id: number; content: string }[] };

beforeAll(() => {
  json = JSON.parse(readFileSync(gpt2TokenizerJsonPath(), 'utf8'));
  tok = loadTokenizer(json);
  exact = loadTokenizer(json, { clean_up_tokenization_spaces: false });
});

describe('GPT-2 tokenizer.json built from r50k_base', () => {
  it('has GPT-2’s 50257 ids, 50000 merges and <|endoftext|> = 50256', () => {
    expect(Object.keys(json.model.vocab)).toHaveLength(GPT2_VOCAB_SIZE);
    expect(json.model.merges).toHaveLength(50000);
    expect(json.model.vocab['<|endoftext|>']).toBe(GPT2_EOT_ID);
    expect(json.added_tokens).toMatchObject([{ id: GPT2_EOT_ID, content: '<|endoftext|>', special: true }]);
    expect(tok.vocabSize).toBe(GPT2_VOCAB_SIZE);
    // Spot checks against openai-community/gpt2's own vocab.json / merges.txt.
    expect(json.model.merges.slice(0, 3)).toEqual(['Ġ t', 'Ġ a', 'h e']);
    expect(json.model.vocab['Ġthe']).toBe(262);
  });

  it('gives well-known GPT-2 ids', () => {
    expect(tok.encode('Hello')).toEqual([15496]);
    expect(tok.encode(' world')).toEqual([995]);
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect(tok.encode('<|endoftext|>')).toEqual([50256]);
    expect(tok.tokenText(50256)).toBe('<|endoftext|>');
    expect(tok.tokenText(995)).toBe(' world');
  });

  it.each(CASES)('%s: same ids as r50k_base, decodes back', (_name, text) => {
    const ids = tok.encode(text);
    expect(ids).toEqual(r50kIds(text));
    // @huggingface/tokenizers refuses to decode [] (see the known issue below).
    if (ids.length) expect(exact.decode(ids)).toBe(text);
  });

  it('matches r50k_base on a long real text and on seeded random Unicode', () => {
    const book = readFileSync(join(ROOT, 'public/samples/moby-dick.txt'), 'utf8').slice(0, 100_000);
    expect(tok.encode(book)).toEqual(r50kIds(book));
    // Random code points from ranges where the pre-tokenizer regex's \p{L} / \p{N} / \s classes matter.
    const ranges = [[0x20, 0x7e], [0x09, 0x0d], [0xa0, 0x17f], [0x300, 0x36f], [0x600, 0x6ff], [0x2000, 0x206f], [0x3000, 0x30ff], [0x4e00, 0x4fff], [0x1f300, 0x1f64f]];
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);
    const fuzz = Array.from({ length: 5000 }, () => {
      const [lo, hi] = ranges[rand(ranges.length)];
      return String.fromCodePoint(lo + rand(hi - lo + 1));
    }).join('');
    expect(tok.encode(fuzz)).toEqual(r50kIds(fuzz));
    expect(exact.decode(tok.encode(fuzz))).toBe(fuzz);
  });

  it('the reference splitter agrees with gpt-tokenizer where gpt-tokenizer sees the special token', () => {
    expect(r50kIds(EOT + 'x')).toEqual(r50kEncode(EOT + 'x', { allowedSpecial: new Set([EOT]) }));
  });
});

// Known issues of src/model/tokenizer.ts (not of this tokenizer.json): these flip to failing once it is fixed,
// at which point drop the .fails. The wrapper keeps transformers.js' default clean_up_tokenization_spaces = true,
// which drops the space before . , ! ? and 's/n't, so GPT-2 text does not round-trip and tokenText(764) is "." not " .".
describe('known issues of the tokenizer wrapper with GPT-2', () => {
  it.fails('decode is lossless before punctuation', () => {
    expect(tok.decode(tok.encode('Hello . world ! ok ?'))).toBe('Hello . world ! ok ?');
  });
  it.fails('tokenText keeps the leading space of " ."', () => {
    expect(tok.tokenText(764)).toBe(' .');
  });
});

describe('the tokenizer wrapper', () => {
  // @huggingface/tokenizers throws "token_ids must be a non-empty array of integers." for []; a generation of no
  // tokens showed that message on the steering page.
  it('decodes [] to the empty string', () => {
    expect(tok.decode([])).toBe('');
  });
});
