// npm run bench:generate — decode tokens/s of generate() (src/model/generate.ts) with the KV cache and with full
// recomputation each step, and with steering on vs off (cache on), measured side by side in one run, on the tiny
// model and a random checkpoint of GPT-2 small's shape. Node + onnxruntime-web wasm (on this GPU-less machine the
// browser's WebGPU is SwiftShader, slower than wasm; the graph and the loop are the same in the page).
// Options: --models tiny,small  --tokens N (default 128)  --runs N (default 3; medians of interleaved runs)
import { parseArgs } from 'node:util';
import { generate } from '../src/model/generate';
import { createGpt2Model } from '../src/model/gpt2';
import { loadGpt2FromDir } from '../src/node/load-dir';
import { TINY_DIR, gpt2SmallCheckpoint, pseudoVector } from '../tests/helpers/checkpoints';

const HOOK = 'blocks.1.hook_resid_post';

async function tokensPerSecond(run: () => Promise<number>, runs: number): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const n = await run();
    rates.push((1000 * n) / (performance.now() - t0));
  }
  return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { models: { type: 'string', default: 'tiny,small' }, tokens: { type: 'string', default: '128' }, runs: { type: 'string', default: '3' } } });
  const tokens = Number(values.tokens);
  const runs = Number(values.runs);
  const lines: string[] = [];
  for (const name of values.models.split(',')) {
    const { cfg, weights } = loadGpt2FromDir(name === 'tiny' ? TINY_DIR : gpt2SmallCheckpoint());
    const plain = await createGpt2Model(weights, cfg, { backend: 'wasm', kvCache: true, logits: 'last' });
    const steerable = await createGpt2Model(weights, cfg, { backend: 'wasm', kvCache: true, logits: 'last', steerAt: HOOK });
    const steer = { data: pseudoVector(cfg.nEmbd, 1, 4), shape: [1, 1, cfg.nEmbd] as [number, number, number] };
    const prompt = [cfg.bosTokenId];
    const count = async (it: AsyncIterable<unknown>) => {
      let n = 0;
      for await (const _ of it) n++;
      return n;
    };
    // Greedy, no end-of-text: every run generates exactly `tokens` tokens.
    const o = { temperature: 0, topK: 0, topP: 1, seed: 0, maxTokens: tokens, eosTokenId: null };
    await count(generate(plain, prompt, o)); // warm-up (JIT, session caches)
    await count(generate(steerable, prompt, { ...o, steer }));
    // Interleaved, so drift on a shared machine (other work, JIT, thermal) hits both sides of each ratio alike.
    const rates = { cache: [] as number[], recompute: [] as number[], steered: [] as number[] };
    for (let i = 0; i < runs; i++) {
      rates.cache.push(await tokensPerSecond(() => count(generate(plain, prompt, o)), 1));
      rates.steered.push(await tokensPerSecond(() => count(generate(steerable, prompt, { ...o, steer })), 1));
      rates.recompute.push(await tokensPerSecond(() => count(generate(plain, prompt, { ...o, noCache: true })), 1));
    }
    const median = (v: number[]) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const cache = median(rates.cache);
    const recompute = median(rates.recompute);
    const steered = median(rates.steered);
    const off = cache;
    lines.push(
      `${name.padEnd(5)} ${tokens} tokens   KV cache ${cache.toFixed(1).padStart(7)} tok/s   recompute ${recompute.toFixed(1).padStart(7)} tok/s   speed-up ${(cache / recompute).toFixed(1)}× (target ≥ 5)`,
      `      steering on ${steered.toFixed(1).padStart(7)} tok/s   off ${off.toFixed(1).padStart(7)} tok/s   overhead ${((100 * (off - steered)) / off).toFixed(1)}% (target ≤ 10%)   (additive steer; KV cache on)`,
    );
    console.log(lines.slice(-2).join('\n'));
    await plain.dispose();
    await steerable.dispose();
  }
  console.log(`\nbench:generate — greedy decoding from BOS, onnxruntime-web wasm in Node, median of ${runs}`);
  for (const l of lines) console.log(l);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
