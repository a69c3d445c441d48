// Stages over a stream of decoded text chunks: line splitting, the empty-file check, a length cap.
import { truncateChars } from './documents';
import { CorpusFileError } from './errors';

/** No line (jsonl) or record (csv) may grow past this: a file with no line breaks must not fill memory. */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

export interface Line {
  line: string; // without its \n or \r\n
  lineNo: number; // 1-based
}

/**
 * Splits text chunks into lines on \n, dropping a \r before it (so a \r\n split across chunks works); a final
 * line without a newline is yielded too. A bare \r is not a line break: JSON allows it as whitespace.
 */
export async function* lines(chunks: AsyncIterable<string>, maxLineChars = MAX_RECORD_CHARS): AsyncGenerator<Line> {
  let parts: string[] = []; // the current line so far; only new chunks are searched, so long lines stay O(n)
  let partChars = 0;
  let lineNo = 1;
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      parts.push(chunk.slice(start, nl));
      yield { line: stripCR(parts.join('')), lineNo: lineNo++ };
      parts = [];
      partChars = 0;
      start = nl + 1;
    }
    if (start < chunk.length) parts.push(chunk.slice(start));
    partChars += chunk.length - start;
    if (partChars > maxLineChars) {
      throw new CorpusFileError(`line ${lineNo} is over ${maxLineChars} characters (is this really one record per line?)`, '', lineNo);
    }
  }
  if (parts.length) yield { line: stripCR(parts.join('')), lineNo };
}

const stripCR = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);

/**
 * Passes chunks through unchanged, but holds leading whitespace back until real text shows up, so a file that
 * is empty or only whitespace fails with "empty file" before anything was yielded from it.
 */
export async function* requireContent(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let held = ''; // pathological files with megabytes of leading whitespace are held whole; acceptable
  let seen = false;
  for await (const chunk of chunks) {
    if (seen) yield chunk;
    else if (/\S/.test(chunk)) {
      seen = true;
      yield held + chunk;
      held = '';
    } else held += chunk;
  }
  if (!seen) throw new CorpusFileError('empty file');
}

/** Passes at most `max` code units, then stops (which cancels the file read upstream). */
export async function* limitChars(chunks: AsyncIterable<string>, max: number | undefined): AsyncGenerator<string> {
  if (max === undefined) return yield* chunks;
  let left = max;
  for await (const chunk of chunks) {
    const piece = truncateChars(chunk, left);
    if (piece) yield piece;
    left -= piece.length;
    if (piece.length < chunk.length || left <= 0) return;
  }
}
