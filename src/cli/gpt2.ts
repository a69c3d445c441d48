// npm run gpt2 -- --model DIR (--prompt TEXT | --ids 50256,464,...) [--hooks NAME,...] [--bos] [--tl-kwargs JSON] [--out FILE.json]
// Runs the same core as the app, in Node on onnxruntime-web's wasm backend, and writes JSON:
//   { ids, logits_last, tl, hooks: { name: { shape, data } } }
// shape is TransformerLens' without the batch axis ([pos, d], [pos, head, d_head], [head, pos, pos]) and
// data is flattened row-major over it. --tl-kwargs takes TransformerLens' processing options as SAELens
// spells them (absent keys: SAELens' defaults); without it the values are the Hugging Face model's.
// Masked attention scores are −∞, which JSON cannot hold: they are written as null.
// `tokens` are the tokens as the lab shows them (src/model/token-text.ts): a character split over tokens is shown on
// the token that ends it, a byte that forms no character as \xNN, control and bidi characters as visible marks — so
// a terminal never receives a raw RTL override or escape sequence from a prompt. `token_bytes` keep the exact bytes.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ModelSettingsError, describeError } from '../core/errors';
import { HF_RAW, type TlSettings, tlKwargs, tlSettingsFromKwargs } from '../core/tl-settings';
import { createGpt2Model } from '../model/gpt2';
import { loadGpt2FromDir } from '../node/load-dir';
import { tokenLabel, tokenPieces } from '../model/token-text';

const USAGE =
  'usage: npm run gpt2 -- --model DIR (--prompt TEXT | --ids 464,3290,...) [--hooks blocks.0.hook_resid_post,...] [--bos] ' +
  '[--tl-kwargs \'{"center_writing_weights": true}\'] [--out FILE.json]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      prompt: { type: 'string' },
      ids: { type: 'string' },
      hooks: { type: 'string', default: '' },
      bos: { type: 'boolean', default: false },
      out: { type: 'string' },
      'tl-kwargs': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.model || (values.prompt === undefined) === (values.ids === undefined)) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const tl = parseTlKwargs(values['tl-kwargs']);
  const loaded = loadGpt2FromDir(values.model);
  const hooks = values.hooks.split(',').map((h) => h.trim()).filter(Boolean);
  const ids = values.ids !== undefined ? parseIds(values.ids, loaded.cfg.vocabSize) : loaded.tokenizer.encode(values.prompt!);
  if (values.bos) ids.unshift(loaded.cfg.bosTokenId);
  if (ids.length === 0) throw new Error('the prompt encodes to no tokens; pass some text or --bos');
  const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks, logits: 'last', modelId: loaded.id, tl });
  const out = await model.forward([ids]);
  await model.dispose();
  const result = {
    model: loaded.id,
    ids,
    tokens: tokenPieces(ids, loaded.tokenizer).map((p) => p.text),
    token_bytes: ids.map((id) => Array.from(loaded.tokenizer.tokenBytes(id))),
    logits_last: Array.from(out.logitsLast!.data),
    tl: tlKwargs(tl),
    hooks: Object.fromEntries(
      hooks.map((h) => [h, { shape: out.hooks[h].shape.slice(1), data: Array.from(out.hooks[h].data) }]), // drop batch axis
    ),
  };
  const json = JSON.stringify(result);
  if (values.out) {
    writeFileSync(values.out, json);
    const top = topK(out.logitsLast!.data, 5).map(([i, p]) => `“${tokenLabel(i, loaded.tokenizer)}” ${(p * 100).toFixed(1)}%`);
    console.log(`${ids.length} tokens → ${values.out}; next token: ${top.join(', ')}`);
    console.log(`tokens: ${result.tokens.map((t) => `“${t.replace(/\n/g, '↵')}”`).join(' ')}`);
  } else {
    process.stdout.write(json + '\n');
  }
}

/** --ids: token ids, comma-separated, each in the vocabulary. */
function parseIds(text: string, vocabSize: number): number[] {
  const ids = text.split(',').map((t) => t.trim()).filter(Boolean).map(Number);
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
  if (bad !== undefined) throw new Error(`--ids: ${bad} is not a token id of this model (0…${vocabSize - 1})`);
  return ids;
}

function parseTlKwargs(text: string | undefined): TlSettings {
  if (text === undefined) return HF_RAW;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ModelSettingsError(`--tl-kwargs must be a JSON object such as '{"center_writing_weights": true}', not ${text}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ModelSettingsError('--tl-kwargs must be a JSON object');
  return tlSettingsFromKwargs(parsed as Record<string, unknown>);
}

function topK(logits: Float32Array, k: number): [number, number][] {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let z = 0;
  for (const v of logits) z += Math.exp(v - max);
  return [...logits.keys()].sort((a, b) => logits[b] - logits[a]).slice(0, k).map((i) => [i, Math.exp(logits[i] - max) / z]);
}

main().catch((err) => {
  console.error(`gpt2: ${describeError(err)}`);
  process.exit(1);
});
