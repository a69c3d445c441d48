// Tokens as text: a table of text → tokens → display pieces through the tiny model's tokenizer and GPT-2's real one.
// Byte-level BPE splits characters of several bytes over tokens; the pieces must read back as the text (with the
// documented visible marks for control and bidi characters), never as "�", lone bytes as \xNN.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchAround, mayTouch, searchUnits, searchRadius } from '../../src/analysis/token-search';
import { piecesOfBytes, tokenLabel, tokenPieces, visibleChar, visibleText } from '../../src/model/token-text';
import { type Gpt2Tokenizer, loadTokenizer } from '../../src/model/tokenizer';
import { TINY_DIR } from '../helpers/checkpoints';
import { gpt2TokenizerJsonPath } from '../helpers/gpt2-tokenizer';

const TOKENIZERS: [string, Gpt2Tokenizer][] = [
  ['tiny-gpt2', loadTokenizer(JSON.parse(readFileSync(join(TINY_DIR, 'tokenizer.json'), 'utf8')))],
  ['gpt2', loadTokenizer(JSON.parse(readFileSync(gpt2TokenizerJsonPath(), 'utf8')))],
];

// [name, text, what the pieces show concatenated]: the expected display is written out, not computed.
const CASES: [string, string, string][] = [
  ['ASCII', 'Call me Ishmael.', 'Call me Ishmael.'],
  ['accented Latin', 'café naïve résumé Zürich Ångström', 'café naïve résumé Zürich Ångström'],
  ['combining marks', 'cafe\u0301 n\u0303 a\u0300\u0301\u0302 Z\u0327\u0331', 'cafe\u0301 n\u0303 a\u0300\u0301\u0302 Z\u0327\u0331'],
  ['CJK', '你好，世界。日本語のテキスト 한국어', '你好，世界。日本語のテキスト 한국어'],
  ['emoji', 'hi 👋🏽 there 🎉😀', 'hi 👋🏽 there 🎉😀'],
  ['emoji ZWJ sequences', '👨‍👩‍👧 🏳️‍🌈 👩🏾‍💻', '👨‍👩‍👧 🏳️‍🌈 👩🏾‍💻'],
  ['flags', '🇯🇵🇫🇷 🏴󠁧󠁢󠁳󠁣󠁴󠁿', '🇯🇵🇫🇷 🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
  ['Hebrew and Arabic', 'שלום עולם مرحبا بالعالم', 'שלום עולם مرحبا بالعالم'],
  ['RTL override', 'say \u202Eevil\u202C ok', 'say \\u202Eevil\\u202C ok'],
  ['every bidi control', 'a\u202Ab\u202Bc\u202Dd\u2066e\u2067f\u2068g\u2069h\u200Ei\u200Fj\u061Ck', 'a\\u202Ab\\u202Bc\\u202Dd\\u2066e\\u2067f\\u2068g\\u2069h\\u200Ei\\u200Fj\\u061Ck'],
  ['zero-width characters', 'sc\u200Bript a\u2060b \uFEFFx ab\u00ADcd', 'sc\\u200Bript a\\u2060b \\uFEFFx ab\\u00ADcd'],
  ['ZWJ and ZWNJ kept', 'می\u200Cخواهم a\u200Db', 'می\u200Cخواهم a\u200Db'],
  ['control characters', 'a\x00b\x1bc\td\re\x07f\x7fg\u0085h', 'a␀b␛c␉d␍e␇f␡g\\u0085h'],
  ['newlines', 'one\n\ntwo\r\nthree', 'one\n\ntwo␍\nthree'],
  ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
  ['mixed', 'naïve 😀 <div dir=rtl>\u202Eטקסט</div>\n\tdone.', 'naïve 😀 <div dir=rtl>\\u202Eטקסט</div>\n␉done.'],
];

describe.each(TOKENIZERS)('display pieces with the %s tokenizer', (_name, tok) => {
  it.each(CASES)('%s', (_case, text, shown) => {
    const ids = tok.encode(text);
    const pieces = tokenPieces(ids, tok);
    expect(pieces).toHaveLength(ids.length);
    // The pieces read as the text, with the documented marks, and decode exactly as the tokenizer does.
    expect(pieces.map((p) => p.text).join('')).toBe(shown);
    expect(visibleText(text)).toBe(shown);
    expect(visibleText(tok.decode(ids))).toBe(shown);
    expect(piecesOfBytes(ids.map((i) => tok.tokenBytes(i))).map((p) => p.raw).join('')).toBe(text);
    for (const p of pieces) expect(p.text).not.toMatch(/[\uFFFD\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/);
    // Joins are symmetric, and only a token whose bytes are not whole characters by themselves is joined.
    pieces.forEach((p, i) => {
      const joinsNext = p.join === 'next' || p.join === 'both';
      const nextJoinsPrev = pieces[i + 1] && (pieces[i + 1].join === 'prev' || pieces[i + 1].join === 'both');
      expect(joinsNext).toBe(!!nextJoinsPrev);
      if (p.join && !/^[\x00-\x7f]*$/.test(tok.tokenText(ids[i]))) expect(tok.tokenText(ids[i]).includes('\uFFFD') || pieces[i].text !== visibleText(tok.tokenText(ids[i]))).toBe(true);
    });
    // Alone, every token shows as text or bytes, never "�".
    for (const id of ids) {
      const label = tokenLabel(id, tok);
      expect(label).not.toContain('\uFFFD');
      if (tok.tokenText(id).includes('\uFFFD')) expect(label).toMatch(/\\x[0-9A-F]{2}/);
      else expect(label).toBe(visibleText(tok.tokenText(id)));
    }
  });

  it('splits a character over tokens somewhere in the table, and joins it', () => {
    const ids = tok.encode('👋🏽 你好');
    const pieces = tokenPieces(ids, tok);
    expect(ids.length).toBeGreaterThan(3);
    expect(pieces.some((p) => p.join === 'next')).toBe(true);
    expect(pieces.filter((p) => p.text).map((p) => p.text)).toContain('👋🏽');
    expect(ids.map((i) => tok.tokenText(i)).join('')).toContain('\uFFFD'); // what the pages used to show
  });

  it('decodes any sequence of ids (a cut window, random tokens) exactly as TextDecoder, with no "�" shown', () => {
    let seed = 11;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);
    for (let trial = 0; trial < 200; trial++) {
      const ids = Array.from({ length: 1 + rand(24) }, () => rand(tok.vocabSize));
      const decoded = piecesOfBytes(ids.map((i) => tok.tokenBytes(i)));
      const bytes = Uint8Array.from(ids.flatMap((i) => [...tok.tokenBytes(i)]));
      expect(decoded.map((p) => p.raw).join('')).toBe(new TextDecoder().decode(bytes));
      for (const p of decoded) expect(p.text).not.toContain('\uFFFD');
    }
  });

  it('keeps decode lossless, including the empty sequence', () => {
    expect(tok.decode([])).toBe('');
    for (const [, text] of CASES) expect(tok.decode(tok.encode(text))).toBe(text);
  });
});

describe('byte streams', () => {
  const b = (...xs: number[]) => Uint8Array.from(xs);
  it('gives a character to the token that ends it and joins the tokens it crosses', () => {
    expect(piecesOfBytes([b(0x63, 0xc3), b(0xa9, 0x73)])).toEqual([
      { text: 'c', raw: 'c', join: 'next' },
      { text: 'és', raw: 'és', join: 'prev' },
    ]);
  });
  it('shows bytes that form no character as \\xNN, one U+FFFD per ill-formed run as TextDecoder does', () => {
    expect(piecesOfBytes([b(0xe2)])).toEqual([{ text: '\\xE2', raw: '\uFFFD', join: '' }]);
    const cut = piecesOfBytes([b(0xe2, 0x82), b(0x41)]); // a three-byte character cut after two bytes
    expect(cut.map((p) => p.text)).toEqual(['\\xE2\\x82', 'A']);
    expect(cut.map((p) => p.raw).join('')).toBe(new TextDecoder().decode(b(0xe2, 0x82, 0x41)));
    expect(piecesOfBytes([b(0xa9), b(0xff, 0xc0, 0xed, 0xa0, 0x80)]).map((p) => p.text)).toEqual(['\\xA9', '\\xFF\\xC0\\xED\\xA0\\x80']);
  });
  it('holds back an incomplete character at the end of an open stream', () => {
    expect(piecesOfBytes([b(0x61), b(0xf0, 0x9f)], { open: true }).map((p) => p.text)).toEqual(['a', '']);
    expect(piecesOfBytes([b(0x61), b(0xf0, 0x9f)]).map((p) => p.text)).toEqual(['a', '\\xF0\\x9F']);
  });
  it('maps each replaced code point as documented', () => {
    const table: [number, string][] = [
      [0x00, '␀'], [0x09, '␉'], [0x0a, '\n'], [0x0d, '␍'], [0x1b, '␛'], [0x1f, '␟'], [0x7f, '␡'],
      [0x80, '\\u0080'], [0x9f, '\\u009F'], [0x202e, '\\u202E'], [0x2066, '\\u2066'], [0x200f, '\\u200F'], [0x061c, '\\u061C'],
      [0x200b, '\\u200B'], [0xfffd, '\\uFFFD'], [0xfeff, '\\uFEFF'], [0x200d, '\u200D'], [0x200c, '\u200C'], [0x20, ' '], [0x05d0, 'א'],
    ];
    for (const [cp, shown] of table) expect(visibleChar(cp)).toBe(shown);
  });
});

describe('search across token boundaries', () => {
  const tok = TOKENIZERS[0][1]; // tiny-gpt2 splits "script" into "sc" + "ript"
  const bytes = (ids: number[]) => ids.map((i) => tok.tokenBytes(i));

  it('finds a split word around either of its tokens, and says which tokens it spans', () => {
    const ids = tok.encode('a script here');
    const at = ids.findIndex((i) => tok.tokenText(i) === ' sc');
    expect(at).toBeGreaterThan(0);
    expect(matchAround(bytes(ids), at, 'script')).toEqual({ across: true, pieces: [' sc', 'ript'] });
    expect(matchAround(bytes(ids), at + 1, 'script')).toEqual({ across: true, pieces: [' sc', 'ript'] });
    expect(matchAround(bytes(ids), 0, 'script')).toBeNull(); // "a" is not part of it
    expect(matchAround(bytes(ids), at, 'sc')).toEqual({ across: false });
  });

  it('matches a character split over byte tokens', () => {
    const ids = tok.encode('say 你好 now');
    const last = ids.findIndex((i) => tok.tokenText(i) === ' now') - 1;
    expect(matchAround(bytes(ids), last, '你好')?.across).toBe(true);
    expect(matchAround(bytes(ids), last - 1, '你好')?.across).toBe(true); // a byte token inside 好
  });

  it('prefilters tokens that cannot be part of a match', () => {
    expect(mayTouch(' sc', 'script')).toBe(true);
    expect(mayTouch('ript', 'script')).toBe(true);
    expect(mayTouch('ri', 'script')).toBe(true);
    expect(mayTouch(' whale', 'script')).toBe(false);
    expect(mayTouch('\uFFFD', '你好')).toBe(true);
    expect(mayTouch('\uFFFD', 'script')).toBe(false);
    expect(searchRadius('script')).toBe(5);
  });

  it('ranks units by matching examples and reports in-token and across-token matches', () => {
    // Three units of two example slots each, over real tokenized text; neighbourhoods of radius r around each slot.
    const texts = ['a script here', 'the javascript', 'no match', 'one whale', 'a script again', 'manuscript'];
    const r = searchRadius('script');
    const windows = texts.map((t) => tok.encode(t));
    const centres = windows.map((w) => Math.max(0, w.findIndex((i) => /sc|script/.test(tok.tokenText(i)))));
    const topIds = Int32Array.from(windows.map((w, s) => w[centres[s]]));
    const around = (slot: number) => {
      const out = new Int32Array(2 * r + 1).fill(-1);
      for (let k = -r; k <= r; k++) out[r + k] = windows[slot][centres[slot] + k] ?? -1;
      return out;
    };
    const found = searchUnits(topIds, 2, 'Script', tok, around, 200);
    const splitWords = texts.filter((t) => tok.encode(t).some((i) => tok.tokenText(i).includes('script')));
    expect(found.hits[0]).toBe(0); // two matching examples
    expect(found.hits).toContain(2);
    expect(found.hits).not.toContain(1); // "no match", "one whale"
    expect(found.inToken + found.acrossTokens).toBe(found.hits.length);
    if (!splitWords.length) expect(found.inToken).toBe(0);
    expect(found.split).toEqual([' sc', 'ript']);
  });
});
