// Node-only: load a GPT-2 checkpoint folder (config.json, tokenizer.json, model.safetensors) from disk.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ModelFetchError } from '../core/errors';
import { readSafetensorsBytes } from '../core/safetensors';
import { MODEL_FILES, assembleGpt2, type LoadedGpt2 } from '../model/sources';

export function loadGpt2FromDir(dir: string): LoadedGpt2 {
  const missing = MODEL_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length) throw new ModelFetchError(`${dir}: missing ${missing.join(', ')}`);
  const json = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const bytes = readFileSync(join(dir, 'model.safetensors'));
  const st = readSafetensorsBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'model.safetensors');
  return assembleGpt2(basename(dir), json('config.json'), st, json('tokenizer.json'));
}
