// Streaming corpus readers, fed byte chunks cut at awkward places.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type NamedSource, csvRecords, decodeUtf8, hashFile, lines, readCorpus } from '../../src/corpus/readers';

const enc = new TextEncoder();
const opts = { jsonlField: 'text', csvColumn: 'text' };

/** A source whose stream delivers `bytes` cut at the given offsets. */
function chunked(name: string, bytes: Uint8Array, cuts: number[]): NamedSource {
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length];
  return {
    name,
    stream: () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i + 1 < bounds.length; i++) c.enqueue(bytes.slice(bounds[i], bounds[i + 1]));
          c.close();
        },
      }),
  };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function joined(src: NamedSource): Promise<string> {
  return (await all(decodeUtf8(src.stream()))).join('');
}

describe('UTF-8 stream decoding', () => {
  it('decodes a multi-byte character split at every possible cut', async () => {
    const text = 'a€b😀c';
    const bytes = enc.encode(text);
    for (let cut = 1; cut < bytes.length; cut++) expect(await joined(chunked('x.txt', bytes, [cut]))).toBe(text);
    expect(await joined(chunked('x.txt', bytes, [1, 2, 3, 4, 5, 6, 7, 8, 9]))).toBe(text);
  });

  it('rejects invalid UTF-8 and binary files', async () => {
    const bad = Uint8Array.from([...enc.encode('hello '), 0xff, 0xfe, ...enc.encode(' world')]);
    await expect(joined(chunked('x.txt', bad, [3]))).rejects.toThrow(/not UTF-8/);
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    await expect(joined(chunked('x.txt', png, []))).rejects.toThrow(/binary/);
  });
});

describe('line and record splitting', () => {
  it('handles CRLF split across chunks and a last line without newline', async () => {
    const bytes = enc.encode('one\r\ntwo\nthree\r\nfour');
    for (let cut = 1; cut < bytes.length; cut++) {
      const got = await all(lines(decodeUtf8(chunked('x', bytes, [cut]).stream())));
      expect(got.map((l) => l.line)).toEqual(['one', 'two', 'three', 'four']);
    }
  });

  it('parses RFC 4180 quoting: commas, doubled quotes, newlines inside quotes, CRLF', async () => {
    const csv = 'id,text\r\n1,"a, b"\r\n2,"say ""hi""\nthere"\r\n3,plain\r\n';
    const bytes = enc.encode(csv);
    for (let cut = 1; cut < bytes.length; cut += 3) {
      const recs = await all(csvRecords(decodeUtf8(chunked('x', bytes, [cut]).stream())));
      expect(recs.map((r) => r.fields)).toEqual([['id', 'text'], ['1', 'a, b'], ['2', 'say "hi"\nthere'], ['3', 'plain']]);
      expect(recs.map((r) => r.lineNo)).toEqual([1, 2, 3, 5]);
    }
  });
});

describe('readCorpus', () => {
  it('reads jsonl rows (a line split across chunks too) and lists malformed lines with their numbers', async () => {
    const jsonl = enc.encode('{"text":"first"}\n{bad\n{"body":"no text"}\n\n{"text":"caf\u00e9 \u20ac"}\n');
    for (const cuts of [[], [5], [20, 21], [40]]) {
      const got = await all(readCorpus([chunked('d.jsonl', jsonl, cuts)], opts));
      expect(got).toEqual([
        { file: 'd.jsonl', index: 0, text: 'first', final: true },
        { file: 'd.jsonl', line: 2, reason: 'line 2: not valid JSON' },
        { file: 'd.jsonl', line: 3, reason: 'line 3: no string field "text"' },
        { file: 'd.jsonl', index: 1, text: 'café €', final: true },
      ]);
    }
    const custom = await all(readCorpus([chunked('d.jsonl', enc.encode('{"body":"x"}\n'), [])], { ...opts, jsonlField: 'body' }));
    expect(custom).toEqual([{ file: 'd.jsonl', index: 0, text: 'x', final: true }]);
  });

  it('reads a csv column by name or index and rejects short rows', async () => {
    const csv = enc.encode('id,text\n1,hello\n2\n3,"a,b"\n');
    const byName = await all(readCorpus([chunked('t.csv', csv, [9])], opts));
    expect(byName).toEqual([
      { file: 't.csv', index: 0, text: 'hello', final: true },
      { file: 't.csv', line: 3, reason: 'line 3: 1 fields, column 2 missing' },
      { file: 't.csv', index: 1, text: 'a,b', final: true },
    ]);
    const byIndex = await all(readCorpus([chunked('t.csv', csv, [])], { ...opts, csvColumn: '0' }));
    expect(byIndex.filter((p) => 'text' in p).map((p) => ('text' in p ? p.text : ''))).toEqual(['1', '2', '3']);
    expect(await all(readCorpus([chunked('t.csv', csv, [])], { ...opts, csvColumn: 'body' }))).toEqual([
      { file: 't.csv', reason: 'no column "body" in the header (id, text)' },
    ]);
  });

  it('streams a txt file as pieces of one document, strips a BOM, and rejects bad files but goes on', async () => {
    const txt = enc.encode('\uFEFFCall me Ishmael. Some years ago');
    const got = await all(
      readCorpus(
        [
          chunked('a.txt', txt, [8, 20]),
          chunked('b.bin', enc.encode('x'), []),
          chunked('c.txt', new Uint8Array(0), []),
          chunked('d.md', Uint8Array.from([0x68, 0xe9, 0x20, 0x6c]), []),
          chunked('e.md', enc.encode('# Title'), []),
        ],
        opts,
      ),
    );
    const pieces = got.filter((p) => 'text' in p) as { file: string; text: string; final: boolean }[];
    expect(pieces.filter((p) => p.file === 'a.txt').map((p) => p.text).join('')).toBe('Call me Ishmael. Some years ago');
    expect(pieces.filter((p) => p.file === 'a.txt').map((p) => p.final)).toEqual([false, false, true]);
    expect(got.filter((p) => 'reason' in p)).toEqual([
      { file: 'b.bin', reason: 'unsupported file type (use .txt, .md, .jsonl or .csv)' },
      { file: 'c.txt', reason: 'empty file' },
      { file: 'd.md', reason: expect.stringMatching(/not UTF-8/) },
    ]);
    expect(pieces.at(-1)).toEqual({ file: 'e.md', index: 0, text: '# Title', final: true });
  });

  it('hashes a file as sha256sum does (files up to 64 MiB)', async () => {
    const data = enc.encode('hello corpus\n'.repeat(1000));
    expect(await hashFile(new Blob([data]))).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
