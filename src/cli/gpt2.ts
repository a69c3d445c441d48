// npm run gpt2 -- --model DIR --prompt TEXT [--hooks NAME,...] [--steer-hook NAME --steer-file F32.json] [--out FILE.json]
// Runs the same core as the app, in Node on onnxruntime-web's wasm backend, and writes JSON:
//   { ids, logits_last, hooks: { name: { shape, data } } }   (data flattened row-major over [position, dim])
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeError } from '../core/errors';
import { createGpt2Model } from '../model/gpt2';
import { loadGpt2FromDir } from '../node/load-dir';

const USAGE = 'usage: npm run gpt2 -- --model DIR --prompt TEXT [--hooks blocks.0.hook_resid_post,...] [--bos] [--out FILE.json]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      prompt: { type: 'string' },
      hooks: { type: 'string', default: '' },
      bos: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.model || values.prompt === undefined) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const loaded = loadGpt2FromDir(values.model);
  const hooks = values.hooks.split(',').map((h) => h.trim()).filter(Boolean);
  const ids = loaded.tokenizer.encode(values.prompt);
  if (values.bos) ids.unshift(loaded.cfg.bosTokenId);
  if (ids.length === 0) throw new Error('the prompt encodes to no tokens; pass some text or --bos');
  const model = await createGpt2Model(loaded.weights, loaded.cfg, { backend: 'wasm', hooks, logits: 'last', modelId: loaded.id });
  const out = await model.forward([ids]);
  await model.dispose();
  const result = {
    model: loaded.id,
    ids,
    tokens: ids.map((id) => loaded.tokenizer.tokenText(id)),
    logits_last: Array.from(out.logitsLast!.data),
    hooks: Object.fromEntries(
      hooks.map((h) => [h, { shape: out.hooks[h].shape.slice(1), data: Array.from(out.hooks[h].data) }]), // drop batch axis
    ),
  };
  const json = JSON.stringify(result);
  if (values.out) {
    writeFileSync(values.out, json);
    const top = topK(out.logitsLast!.data, 5).map(([i, p]) => `${JSON.stringify(loaded.tokenizer.tokenText(i))} ${(p * 100).toFixed(1)}%`);
    console.log(`${ids.length} tokens → ${values.out}; next token: ${top.join(', ')}`);
  } else {
    process.stdout.write(json + '\n');
  }
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
