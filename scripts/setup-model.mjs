#!/usr/bin/env node
// Safety net before `npm start` / `npm run build`: make sure the embedded default model
// (public/models/tiny-gpt2) is present, copying it from ../shared/models/tiny-gpt2 if not.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dest = join(root, 'public/models/tiny-gpt2');
const src = resolve(root, '../shared/models/tiny-gpt2');
const FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'README.md'];

if (existsSync(join(dest, 'model.safetensors'))) process.exit(0);

const missing = FILES.filter((f) => !existsSync(join(src, f)));
if (missing.length) {
  console.error(
    `setup-model: the default model is missing.\n` +
      `  expected ${join(dest, 'model.safetensors')} (committed with the repository),\n` +
      `  or a copy to take it from in ${src} (missing: ${missing.join(', ')}).\n` +
      `  Restore public/models/tiny-gpt2 from git (git checkout -- public/models) and try again.`,
  );
  process.exit(1);
}
mkdirSync(dest, { recursive: true });
for (const f of FILES) copyFileSync(join(src, f), join(dest, f));
console.log(`setup-model: copied ${FILES.join(', ')} from ${src} to ${dest}`);
