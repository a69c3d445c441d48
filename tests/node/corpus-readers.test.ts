import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../src/corpus/csv-parser';
import { decodeUtf8Chunks } from '../../src/corpus/decode';
import { isRejection, kindOf, type DocumentPiece, type IngestOptions, type Rejection } from '../../src/corpus/documents';
import { CorpusFileError } from '../../src/corpus/errors';
import { hashFile } from '../../src/corpus/hash';
import { readCorpus, readDocuments, type CorpusSource } from '../../src/corpus/read';
import { lines } from '../../src/corpus/text';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A source whose stream emits exactly these byte chunks, pulled one at a time. */
function chunked(name: string, chunks: Uint8Array[]): CorpusSource {
  return {
    name,
    stream: () => {
      let i = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (i < chunks.length) c.enqueue(chunks[i++]);
          else c.close();
        },
      });
    },
  };
}

/** Cuts bytes at the given offsets. */
function cutAt(bytes: Uint8Array, ...cuts: number[]): Uint8Array[] {
  const edges = [0, ...cuts, bytes.length];
  return edges.slice(1).map((end, i) => bytes.slice(edges[i], end));
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

interface Read {
  docs: string[]; // assembled documents, in order
  indexes: number[];
  rejections: Rejection[];
  pieces: DocumentPiece[];
}

/** Reads a source and reassembles documents, checking the piece protocol (contiguous, ends with final). */
async function read(source: CorpusSource | CorpusSource[], opts: Partial<IngestOptions> = {}): Promise<Read> {
  const items = await collect(Array.isArray(source) ? readCorpus(source, opts) : readDocuments(source, opts));
  const r: Read = { docs: [], indexes: [], rejections: [], pieces: [] };
  let open: DocumentPiece | undefined;
  for (const item of items) {
    if (isRejection(item)) {
      expect(open, 'a rejection arrived inside an unfinished document').toBeUndefined();
      r.rejections.push(item);
      continue;
    }
    r.pieces.push(item);
    if (open) {
      expect([item.file, item.index]).toEqual([open.file, open.index]);
      r.docs[r.docs.length - 1] += item.text;
    } else {
      r.docs.push(item.text);
      r.indexes.push(item.index);
    }
    open = item.final ? undefined : item;
  }
  expect(open, 'the last document has no final piece').toBeUndefined();
  return r;
}

const file = (parts: BlobPart[], name: string) => new File(parts, name);

describe('kindOf', () => {
  it.each([
    ['a.txt', 'txt'],
    ['a.TEXT', 'txt'],
    ['notes.md', 'md'],
    ['x.markdown', 'md'],
    ['d.jsonl', 'jsonl'],
    ['d.ndjson', 'jsonl'],
    ['t.CSV', 'csv'],
    ['dir/a.b.csv', 'csv'],
    ['a.json', undefined],
    ['README', undefined],
    ['.txt', undefined],
  ])('%s → %s', (name, kind) => expect(kindOf(name)).toBe(kind));

  it('rejects an unsupported extension, naming it', async () => {
    const r = await read(file(['hello'], 'photo.xyz'));
    expect(r.rejections).toEqual([{ file: 'photo.xyz', reason: 'unsupported file type .xyz (use .txt, .md, .jsonl or .csv)' }]);
  });
});

describe('decodeUtf8Chunks', () => {
  const text = 'a€b😀c';
  const bytes = utf8(text);

  it('decodes a multi-byte character split at every possible cut (1 and 2 cuts)', async () => {
    for (let i = 1; i < bytes.length; i++) {
      expect((await collect(decodeUtf8Chunks(chunked('t', cutAt(bytes, i)).stream()))).join('')).toBe(text);
      for (let j = i + 1; j < bytes.length; j++) {
        const pieces = await collect(decodeUtf8Chunks(chunked('t', cutAt(bytes, i, j)).stream()));
        expect(pieces.join('')).toBe(text);
      }
    }
  });

  it('decodes byte by byte, never yielding half a surrogate pair', async () => {
    const pieces = await collect(decodeUtf8Chunks(chunked('t', Array.from(bytes, (b) => Uint8Array.of(b))).stream()));
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) expect(p).toMatch(/^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/);
  });

  it('strips a BOM, even one split across chunks, and only a leading one', async () => {
    const withBom = Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8('hi\ufeff'));
    for (let i = 1; i < 4; i++) {
      expect((await collect(decodeUtf8Chunks(chunked('t', cutAt(withBom, i)).stream()))).join('')).toBe('hi\ufeff');
    }
  });

  it('raises CorpusFileError with the byte offset of invalid UTF-8, wherever the chunk cut falls', async () => {
    const bad = Uint8Array.of(...utf8('hello €'), 0xff, 0xfe, ...utf8(' world')); // 0xff at byte 9
    for (let i = 1; i < bad.length; i++) {
      const err = await collect(decodeUtf8Chunks(chunked('t', cutAt(bad, i)).stream(), 'bad.txt')).catch((e) => e);
      expect(err).toBeInstanceOf(CorpusFileError);
      expect(err.message).toBe('bad.txt: not UTF-8 text (invalid byte sequence near byte 9)');
    }
  });

  it('rejects a file that ends inside a multi-byte character', async () => {
    const err = await collect(decodeUtf8Chunks(chunked('t', [utf8('ok'), Uint8Array.of(0xe2, 0x82)]).stream())).catch((e) => e);
    expect(err.reason).toMatch(/^not UTF-8 text \(invalid byte sequence near byte \d+\)$/);
  });
});

describe('lines', () => {
  const split = async (chunks: string[]) => collect(lines((async function* () { yield* chunks; })()));

  it('handles \\n, \\r\\n, a \\r\\n split across chunks, and a last line without newline', async () => {
    expect(await split(['a\r', '\nb\n', 'c\r\nd'])).toEqual([
      { line: 'a', lineNo: 1 },
      { line: 'b', lineNo: 2 },
      { line: 'c', lineNo: 3 },
      { line: 'd', lineNo: 4 },
    ]);
  });

  it('keeps blank lines numbered, yields no phantom line after a final newline, joins long lines', async () => {
    expect(await split(['x', 'y', 'z\n\n', 'w\n'])).toEqual([
      { line: 'xyz', lineNo: 1 },
      { line: '', lineNo: 2 },
      { line: 'w', lineNo: 3 },
    ]);
  });

  it('fails a line longer than the cap', async () => {
    const gen = lines((async function* () { yield 'ok\n'; yield 'x'.repeat(10); })(), 8);
    await expect(collect(gen)).rejects.toThrow(/line 2 is over 8 characters/);
  });
});

describe('txt / md', () => {
  it('streams the whole file as one document in pieces, the last one final', async () => {
    const text = 'Call me Ishmael.\r\n€😀 end';
    const bytes = utf8(text);
    for (let i = 1; i < bytes.length; i++) {
      const r = await read(chunked('a.md', cutAt(bytes, i)));
      expect(r.docs).toEqual([text]);
      expect(r.indexes).toEqual([0]);
    }
    // past the first 8 KiB (read whole for sniffing), every chunk becomes a piece
    const head = 'h'.repeat(9000);
    const many = await read(chunked('b.txt', [utf8(head), ...Array.from(bytes, (b) => Uint8Array.of(b))]));
    expect(many.docs).toEqual([head + text]);
    expect(many.pieces.length).toBeGreaterThan(text.length / 2);
  });

  it('slices one huge source chunk into bounded pieces', async () => {
    const r = await read(file(['é'.repeat(1.5 * 1024 * 1024)], 'big.txt')); // 3 MiB in one Blob part
    expect(r.docs).toEqual(['é'.repeat(1.5 * 1024 * 1024)]);
    expect(r.pieces.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...r.pieces.map((p) => p.text.length))).toBeLessThanOrEqual(1024 * 1024);
  });

  it('reads a File via Blob.stream(), BOM stripped, text otherwise untouched', async () => {
    const r = await read(file([Uint8Array.of(0xef, 0xbb, 0xbf), '  \n lead and trail  \n'], 'f.txt'));
    expect(r.docs).toEqual(['  \n lead and trail  \n']);
    expect(r.rejections).toEqual([]);
  });

  it('cuts a document at maxDocumentChars without splitting a surrogate pair', async () => {
    expect((await read(file(['abcdef'], 'a.txt'), { maxDocumentChars: 4 })).docs).toEqual(['abcd']);
    expect((await read(chunked('a.txt', [utf8('ab'), utf8('c😀d')]), { maxDocumentChars: 4 })).docs).toEqual(['abc']);
  });

  it('rejects an empty or whitespace-only file', async () => {
    for (const [name, body] of [['e.txt', ''], ['w.md', ' \r\n\t\n'], ['e.jsonl', '\n\n'], ['e.csv', '']]) {
      const r = await read(file([body], name));
      expect(r.rejections).toEqual([{ file: name, reason: 'empty file' }]);
      expect(r.docs).toEqual([]);
    }
  });

  it('rejects a binary file (PNG header) without yielding any text', async () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52);
    const r = await read(file([png], 'image.txt'));
    expect(r.rejections).toEqual([{ file: 'image.txt', reason: 'looks like a binary file (contains NUL bytes)' }]);
    // a NUL in a later small chunk, still inside the first 8 KiB: nothing yielded either
    const late = await read(chunked('late.txt', [utf8('plain text '.repeat(50)), Uint8Array.of(0x41, 0, 0x42)]));
    expect(late.pieces).toEqual([]);
    expect(late.rejections).toHaveLength(1);
  });

  it('rejects UTF-16 with a hint', async () => {
    const r = await read(file([Uint8Array.of(0xff, 0xfe, 0x68, 0, 0x69, 0)], 'u16.txt'));
    expect(r.rejections[0].reason).toBe('looks like UTF-16 text; re-save it as UTF-8');
  });

  it('rejects invalid UTF-8 in the middle (0xFF 0xFE)', async () => {
    const r = await read(file([utf8('good start '), Uint8Array.of(0xff, 0xfe), utf8(' good end')], 'x.txt'));
    expect(r.rejections).toEqual([{ file: 'x.txt', reason: 'not UTF-8 text (invalid byte sequence near byte 11)' }]);
    expect(r.docs).toEqual([]);
  });

  it('past the first 8 KiB, keeps the text already yielded, closes the document, then rejects', async () => {
    const head = utf8('a'.repeat(9000));
    const r = await read(chunked('big.txt', [head, utf8('b'.repeat(100)), Uint8Array.of(0x62, 0xc3, 0x28)]));
    expect(r.docs).toEqual(['a'.repeat(9000) + 'b'.repeat(100)]);
    expect(r.rejections).toEqual([{ file: 'big.txt', reason: 'not UTF-8 text (invalid byte sequence near byte 9102)' }]);
  });
});

describe('jsonl', () => {
  it('reads a good line split across chunks at every cut', async () => {
    const bytes = utf8('{"text":"héllo €"}\r\n{"text":"two"}');
    for (let i = 1; i < bytes.length; i++) {
      const r = await read(chunked('d.jsonl', cutAt(bytes, i)));
      expect(r.docs).toEqual(['héllo €', 'two']);
      expect(r.rejections).toEqual([]);
    }
  });

  it('rejects bad lines with their numbers and keeps going', async () => {
    const body = [
      '{"text": "one"}',
      '',
      '{"text": "three", "id": 3}',
      '{not json',
      '{"body": "no text field"}',
      '{"text": 42}',
      '[1, 2]',
      '{"text": "   "}',
      '{"text": "nine"}',
    ].join('\n');
    const r = await read(file([body], 'c.jsonl'));
    expect(r.docs).toEqual(['one', 'three', 'nine']);
    expect(r.indexes).toEqual([0, 1, 7]); // blank lines are not rows
    expect(r.rejections).toEqual([
      { file: 'c.jsonl', line: 4, reason: 'line 4: not valid JSON' },
      { file: 'c.jsonl', line: 5, reason: 'line 5: no string field "text"' },
      { file: 'c.jsonl', line: 6, reason: 'line 6: no string field "text"' },
      { file: 'c.jsonl', line: 7, reason: 'line 7: no string field "text"' },
      { file: 'c.jsonl', line: 8, reason: 'line 8: field "text" is empty' },
    ]);
  });

  it('uses a custom field and truncates to maxDocumentChars', async () => {
    const r = await read(file(['{"content":"abcdef","text":"no"}\n{"text":"x"}\n'], 'd.ndjson'), { jsonlField: 'content', maxDocumentChars: 3 });
    expect(r.docs).toEqual(['abc']);
    expect(r.rejections).toEqual([{ file: 'd.ndjson', line: 2, reason: 'line 2: no string field "content"' }]);
  });
});

describe('csv', () => {
  const tricky =
    'id,text,lang\r\n' +
    '1,"Hello, world",en\r\n' +
    '2,"She said ""hi""",en\r\n' +
    '3,"line one\r\nline two\nline three",en\r\n' +
    '4,too few\r\n' +
    '\r\n' +
    '5,plain,en'; // no final newline

  it('parses quotes, commas, doubled quotes and newlines in quotes; rejects short rows by line', async () => {
    const r = await read(file([tricky], 't.csv'));
    expect(r.docs).toEqual(['Hello, world', 'She said "hi"', 'line one\r\nline two\nline three', 'plain']);
    expect(r.indexes).toEqual([0, 1, 2, 4]);
    expect(r.rejections).toEqual([{ file: 't.csv', line: 7, reason: 'line 7: 2 fields, the header has 3' }]);
  });

  it('gives the same result however the bytes are cut', async () => {
    const bytes = utf8(tricky);
    const whole = await read(file([tricky], 't.csv'));
    for (let i = 1; i < bytes.length; i++) {
      const r = await read(chunked('t.csv', cutAt(bytes, i)));
      expect([r.docs, r.rejections]).toEqual([whole.docs, whole.rejections]);
    }
  });

  it('selects the column by index, and by trimmed header name', async () => {
    expect((await read(file(['a,b\nx,y\n'], 'i.csv'), { csvColumn: 0 })).docs).toEqual(['x']);
    expect((await read(file(['a, body \nx,y\n'], 'n.csv'), { csvColumn: 'body' })).docs).toEqual(['y']);
  });

  it('rejects the whole file for a missing column, a header with no rows, or an unclosed quote', async () => {
    const missing = await read(file(['a,b\nx,y\n'], 'm.csv'));
    expect(missing.rejections).toEqual([{ file: 'm.csv', reason: 'no column "text" in the header ("a", "b"); choose one of these' }]);
    const index = await read(file(['a,b\nx,y\n'], 'm.csv'), { csvColumn: 2 });
    expect(index.rejections[0].reason).toMatch(/^no column 2: the header has 2/);
    expect((await read(file(['text\n'], 'h.csv'))).rejections).toEqual([{ file: 'h.csv', reason: 'no rows after the header line' }]);
    const open = await read(file(['text\nok\n"never closed\nmore\n'], 'o.csv'));
    expect(open.docs).toEqual(['ok']);
    expect(open.rejections).toEqual([{ file: 'o.csv', line: 3, reason: 'line 3: a quoted field opened here never closes (add the missing ")' }]);
  });

  it('caps a runaway record', () => {
    const p = new CsvParser(10);
    expect(() => p.push('text\n"' + 'x'.repeat(20))).toThrow(/line 2: a record over 10 characters/);
  });
});

describe('readCorpus', () => {
  it('reads files in order, one bad file not stopping the rest', async () => {
    const r = await read([file(['first'], 'a.txt'), file([''], 'b.txt'), file(['{"text":"third"}'], 'c.jsonl'), file(['x'], 'd.pdf')]);
    expect(r.docs).toEqual(['first', 'third']);
    expect(r.pieces.map((p) => p.file)).toEqual(['a.txt', 'c.jsonl']);
    expect(r.rejections.map((x) => x.file)).toEqual(['b.txt', 'd.pdf']);
  });

  it('cancels the underlying stream when the consumer stops early', async () => {
    let cancelled = false;
    const source: CorpusSource = {
      name: 'endless.txt',
      stream: () =>
        new ReadableStream<Uint8Array>({
          pull: (c) => c.enqueue(utf8('more text ')),
          cancel: () => void (cancelled = true),
        }),
    };
    for await (const item of readDocuments(source)) if (!isRejection(item)) break;
    expect(cancelled).toBe(true);
  });
});

describe('hashFile', () => {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();

  it('equals plain SHA-256 for a small file', async () => {
    const bytes = utf8('Call me Ishmael. €😀\n');
    expect(await hashFile(file([bytes], 'a.txt'))).toBe(sha(bytes).toString('hex'));
    expect(await hashFile(new Blob([]))).toBe(sha(new Uint8Array()).toString('hex'));
  });

  it('above the slice size, is SHA-256 of the slice digests', async () => {
    const bytes = utf8('0123456789abcdefXYZ'); // slices of 8: 8 + 8 + 3
    const want = createHash('sha256')
      .update(Buffer.concat([sha(bytes.subarray(0, 8)), sha(bytes.subarray(8, 16)), sha(bytes.subarray(16))]))
      .digest('hex');
    expect(await hashFile(new Blob([bytes]), 8)).toBe(want);
    expect(await hashFile(new Blob([bytes]), 19)).toBe(sha(bytes).toString('hex')); // exactly one slice: plain
  });
});
