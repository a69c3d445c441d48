// Bytes → text, streamed: strict UTF-8 with byte offsets in errors, and a NUL sniff so a binary file is
// refused before any of it is yielded as text.
import { CorpusFileError } from './errors';

/** Binary sniffing looks at this much before yielding anything (the same window git and file(1) use). */
export const SNIFF_BYTES = 8 * 1024;

// Larger chunks are decoded in slices of this size: a source that hands over one huge chunk (Node's in-memory
// Blob does) must still become bounded text pieces.
export const MAX_DECODE_BYTES = 1024 * 1024;

/**
 * Decodes a byte stream as UTF-8, one string per chunk. `{stream: true}` lets a character split across chunks
 * decode whole, and the decoder never emits half of a surrogate pair. The default TextDecoder drops a leading
 * BOM, even one split across chunks. The first SNIFF_BYTES are read before anything is yielded, so a binary or
 * non-UTF-8 file fails before it produces text; later NULs or bad bytes fail where they are found.
 */
export async function* decodeUtf8Chunks(stream: ReadableStream<Uint8Array>, fileName = ''): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0; // bytes decoded before the current chunk
  for await (const chunk of sniffedChunks(stream, fileName)) {
    const text = decodeChunk(decoder, chunk, offset, fileName);
    offset += chunk.length;
    if (text) yield text;
  }
  try {
    const rest = decoder.decode(); // throws when the file ends inside a multi-byte character
    if (rest) yield rest;
  } catch {
    throw notUtf8(Math.max(offset - 1, 0), fileName);
  }
}

function decodeChunk(decoder: TextDecoder, chunk: Uint8Array, offset: number, fileName: string): string {
  try {
    return decoder.decode(chunk, { stream: true });
  } catch {
    throw notUtf8(offset + firstInvalidByte(chunk), fileName);
  }
}

function notUtf8(byte: number, fileName: string): CorpusFileError {
  return new CorpusFileError(`not UTF-8 text (invalid byte sequence near byte ${byte})`, fileName);
}

/**
 * Where in `chunk` a fresh strict decoder first fails (binary search over prefixes, so it agrees with
 * TextDecoder by construction). Error path only. 0 when the bad sequence began in an earlier chunk.
 */
function firstInvalidByte(chunk: Uint8Array): number {
  let start = 0;
  while (start < 3 && start < chunk.length && (chunk[start] & 0xc0) === 0x80) start++; // tail of the previous chunk's character
  const fails = (end: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(chunk.subarray(start, end), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  if (!fails(chunk.length)) return 0;
  let lo = start; // fails(lo) is false
  let hi = chunk.length; // fails(hi) is true
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (fails(mid)) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

/** The stream's chunks, the first SNIFF_BYTES coalesced into one, each checked for NUL bytes. */
async function* sniffedChunks(stream: ReadableStream<Uint8Array>, fileName: string): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  const read = async () => {
    const r = await readOrFail(reader, fileName);
    if (r.done) done = true;
    return r.value;
  };
  try {
    const head = await readHead(read);
    if (head.length) yield* slices(checkText(head, true, fileName));
    for (let chunk = await read(); chunk; chunk = await read()) yield* slices(checkText(chunk, false, fileName));
  } finally {
    if (!done) await reader.cancel().catch(() => {}); // the consumer stopped early: stop reading the file
    reader.releaseLock();
  }
}

function* slices(chunk: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < chunk.length; at += MAX_DECODE_BYTES) yield chunk.subarray(at, at + MAX_DECODE_BYTES);
}

async function readHead(read: () => Promise<Uint8Array | undefined>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  while (size < SNIFF_BYTES) {
    const chunk = await read();
    if (!chunk) break;
    parts.push(chunk);
    size += chunk.length;
  }
  if (parts.length === 1) return parts[0];
  const head = new Uint8Array(size);
  parts.reduce((at, p) => (head.set(p, at), at + p.length), 0);
  return head;
}

async function readOrFail(reader: ReadableStreamDefaultReader<Uint8Array>, fileName: string) {
  try {
    return await reader.read();
  } catch (err) {
    // e.g. NotReadableError when the file changed on disk after it was dropped
    const why = err instanceof Error ? err.message : String(err);
    throw new CorpusFileError(`could not read the file (${why}); drop it again`, fileName);
  }
}

function checkText(chunk: Uint8Array, isHead: boolean, fileName: string): Uint8Array {
  if (isHead && isUtf16Bom(chunk)) {
    throw new CorpusFileError('looks like UTF-16 text; re-save it as UTF-8', fileName);
  }
  if (chunk.indexOf(0) !== -1) throw new CorpusFileError('looks like a binary file (contains NUL bytes)', fileName);
  return chunk;
}

const isUtf16Bom = (b: Uint8Array) => b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff));
