// Tokens as readable text. Byte-level BPE splits a character of several UTF-8 bytes (accented letters, CJK, emoji)
// over tokens, and each of those tokens alone decodes to "�". Here a sequence is decoded as one byte stream, so a
// run of tokens that together form characters shows those characters, and each token of the run is marked as joined
// to its neighbour; a byte that forms no character is shown as `\xNN`. Characters that are invisible or act on the
// text around them (control and bidirectional-control characters) are replaced by visible marks, so corpus text can
// neither hide nor reorder what the page shows next to it. Plain functions: the worker builds pieces, pages show them.

/** Where the bytes of one token come from (src/model/tokenizer.ts). */
export interface TokenBytes {
  tokenBytes(id: number): Uint8Array;
}

/**
 * How a piece shares a character with its neighbours: 'prev'/'next'/'both' when a character's bytes cross the
 * boundary to the previous/next piece (or both); '' when it shares none.
 */
export type Join = '' | 'prev' | 'next' | 'both';

export interface TokenPiece {
  /**
   * What to show for this token: the characters (grapheme clusters) whose last byte it holds, visibleText applied;
   * `\xNN` for each of its bytes that forms no character. '' for a token whose bytes all belong to a character
   * that a later token ends.
   */
  text: string;
  join: Join;
}

/** A piece with the text as decoded (no visible marks, U+FFFD for bytes that form no character), for searching. */
export interface DecodedPiece extends TokenPiece {
  raw: string;
}

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** Bidirectional controls: embeddings, overrides, isolates and the implicit marks (LRM, RLM, ALM). */
const BIDI = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);
/**
 * Characters that draw nothing or break the line: soft hyphen, Mongolian vowel separator, zero-width space, word
 * joiner and invisible operators, deprecated format controls, line/paragraph separators, BOM, interlinear annotation.
 * ZWJ and ZWNJ (U+200C/D) stay: they shape emoji sequences and Arabic/Indic script.
 */
const INVISIBLE = new Set([0x00ad, 0x180e, 0x200b, 0x2028, 0x2029, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x206a, 0x206b, 0x206c, 0x206d, 0x206e, 0x206f, 0xfeff, 0xfff9, 0xfffa, 0xfffb]);

/**
 * The visible form of one code point. Documented replacements (everything else is itself):
 * - C0 controls other than newline → their Control Pictures (U+0000 → ␀, ESC → ␛, tab → ␉, CR → ␍); DEL → ␡.
 *   Newline stays a newline: token cells show it as ↵ (src/ui/token-label.ts), text blocks break the line.
 * - C1 controls (U+0080–U+009F), bidirectional controls and invisible format characters → `\uXXXX`.
 * - U+FFFD, when the text itself holds one (GPT-2's vocabulary has tokens of them) → `\uFFFD`, so a "�" on a page
 *   never stands for anything: bytes that form no character are shown as bytes.
 * A byte that forms no character is `\xNN` (see piecesOfBytes), so `\x` always means a raw byte, `\u` a code point.
 */
export function visibleChar(cp: number): string {
  if (cp === 0x0a) return '\n';
  if (cp < 0x20) return String.fromCodePoint(0x2400 + cp);
  if (cp === 0x7f) return '\u2421';
  if ((cp >= 0x80 && cp <= 0x9f) || BIDI.has(cp) || INVISIBLE.has(cp) || cp === 0xfffd) return `\\u${hex(cp, 4)}`;
  return String.fromCodePoint(cp);
}

/** `s` with visibleChar applied to each code point: what the pages show for any text (prompts, corpus, tokens). */
export function visibleText(s: string): string {
  let out = '';
  for (const c of s) out += visibleChar(c.codePointAt(0)!);
  return out;
}

/** A character (or a run of bytes forming none) found in the byte stream: bytes [start, end). */
interface Unit {
  start: number;
  end: number;
  cp: number | null; // null: ill-formed, one U+FFFD as TextDecoder gives it
}

/**
 * UTF-8 decoding exactly as the WHATWG Encoding standard (and so TextDecoder) does it: each maximal ill-formed
 * subpart is one error unit. `open`: the stream goes on, so a well-formed but incomplete tail is held back.
 */
function utf8Units(bytes: Uint8Array, open: boolean): Unit[] {
  const units: Unit[] = [];
  let need = 0;
  let cp = 0;
  let start = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (need === 0) {
      start = i;
      if (b <= 0x7f) units.push({ start, end: i + 1, cp: b });
      else if (b >= 0xc2 && b <= 0xdf) [need, cp] = [1, b & 0x1f];
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f; // no surrogates
        [need, cp] = [2, b & 0x0f];
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f; // nothing above U+10FFFF
        [need, cp] = [3, b & 0x07];
      } else units.push({ start, end: i + 1, cp: null });
      continue;
    }
    if (b < lower || b > upper) {
      units.push({ start, end: i, cp: null });
      [need, lower, upper] = [0, 0x80, 0xbf];
      i--; // this byte starts afresh
      continue;
    }
    [lower, upper] = [0x80, 0xbf];
    cp = (cp << 6) | (b & 0x3f);
    if (--need === 0) units.push({ start, end: i + 1, cp });
  }
  if (need !== 0 && !open) units.push({ start, end: bytes.length, cp: null });
  return units;
}

let graphemes: Intl.Segmenter | null = null;

/**
 * The units grouped into what a reader sees as one character (grapheme clusters: an emoji ZWJ sequence, a flag, a
 * letter with its combining marks), so a cluster split over tokens is shown whole rather than as its parts. A byte
 * that forms no character is a group of its own; so is each code point of an all-ASCII cluster (CR LF stays two
 * characters, as GPT-2's tokens have it, and is never joined).
 */
function clusters(units: Unit[]): Unit[][] {
  const out: Unit[][] = [];
  for (let i = 0; i < units.length; ) {
    if (units[i].cp === null) {
      out.push([units[i++]]);
      continue;
    }
    let j = i;
    let ascii = true;
    for (; j < units.length && units[j].cp !== null; j++) if (units[j].cp! >= 0x80) ascii = false;
    const run = units.slice(i, j);
    if (ascii) for (const u of run) out.push([u]);
    else {
      graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
      let k = 0;
      for (const { segment } of graphemes.segment(run.map((u) => String.fromCodePoint(u.cp!)).join(''))) {
        const group: Unit[] = [];
        for (let len = 0; len < segment.length; k++) {
          group.push(run[k]);
          len += run[k].cp! > 0xffff ? 2 : 1; // UTF-16 code units
        }
        if (group.every((u) => u.cp! < 0x80)) for (const u of group) out.push([u]);
        else out.push(group);
      }
    }
    i = j;
  }
  return out;
}

/**
 * Display pieces of a sequence of tokens given by their bytes. Each character (grapheme cluster) goes to the token
 * holding its last byte (where the model has read all of it); tokens it crosses are joined. Concatenated, the texts
 * are visibleText(decoded text) wherever the bytes form characters, and the raws are exactly TextDecoder's output.
 * `open`: more tokens will follow (a stream being generated), so an incomplete character at the end is not shown yet.
 */
export function piecesOfBytes(tokens: readonly Uint8Array[], opts: { open?: boolean } = {}): DecodedPiece[] {
  const total = tokens.reduce((n, t) => n + t.length, 0);
  const all = new Uint8Array(total);
  const owner = new Int32Array(total); // token of each byte
  let at = 0;
  tokens.forEach((t, i) => {
    all.set(t, at);
    owner.fill(i, at, at + t.length);
    at += t.length;
  });
  const pieces: DecodedPiece[] = tokens.map(() => ({ text: '', raw: '', join: '' }));
  const prev = new Uint8Array(tokens.length);
  const next = new Uint8Array(tokens.length);
  for (const group of clusters(utf8Units(all, !!opts.open))) {
    const first = owner[group[0].start];
    const last = owner[group[group.length - 1].end - 1];
    if (group[0].cp === null) {
      const u = group[0];
      for (let i = u.start; i < u.end; i++) pieces[owner[i]].text += `\\x${hex(all[i], 2)}`;
      pieces[last].raw += '\uFFFD';
      continue;
    }
    for (let t = first; t < last; t++) [next[t], prev[t + 1]] = [1, 1];
    for (const u of group) {
      pieces[last].text += visibleChar(u.cp!);
      pieces[last].raw += String.fromCodePoint(u.cp!);
    }
  }
  pieces.forEach((p, i) => (p.join = prev[i] && next[i] ? 'both' : prev[i] ? 'prev' : next[i] ? 'next' : ''));
  return pieces;
}

/** Display pieces of token ids. */
export function tokenPieces(ids: readonly number[], vocab: TokenBytes, opts: { open?: boolean } = {}): TokenPiece[] {
  return piecesOfBytes(ids.map((id) => vocab.tokenBytes(id)), opts).map(({ text, join }) => ({ text, join }));
}

/** One token shown alone (a top token, a logit table row): its characters, and `\xNN` for bytes that form none. */
export function tokenLabel(id: number, vocab: TokenBytes): string {
  return piecesOfBytes([vocab.tokenBytes(id)])[0].text;
}

/** The bytes of a token written one char per byte (latin1), to store a vocabulary losslessly as strings. */
export const bytesToLatin1 = (b: Uint8Array) => String.fromCharCode(...b);
export const latin1ToBytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
