// npm run bench:attribution — time to attribute one prediction (direct logit attribution and activation × gradient)
// over every feature of a width-24576 TopK SAE, on the GPT-2-small-shaped random checkpoint and on the tiny model,
// with the per-feature pass (encode the hook's activation, then feature_attribution) on WebGPU vs its CPU twin,
// side by side in one Chromium page. The model's forward pass (onnxruntime wasm), the float64 backward for the
// gradient and the MLP neurons are the same for both and are shown separately.
// Options: --configs small,tiny  --runs N (default 5)  --tokens N (default 32)
import { parseArgs } from 'node:util';
import { callInPage, launchChromium, openPage } from '../tests/browser/chromium';
import { TINY_DIR, gpt2SmallCheckpoint } from '../tests/helpers/checkpoints';
import { startHubServer } from '../tests/helpers/hub-server';
import type { AttributionBenchResult } from './pages/attribution-bench';
import { startDevServer } from './util';

const CONFIGS: Record<string, { repo: string; hook: string }> = {
  small: { repo: 'sse/gpt2-small-random', hook: 'blocks.6.hook_resid_post' },
  tiny: { repo: 'sse/tiny-gpt2', hook: 'blocks.2.hook_resid_post' },
};
const D_SAE = 24576;
const K = 32;

const ms = (x: number) => `${x.toFixed(1).padStart(8)} ms`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { configs: { type: 'string', default: 'small,tiny' }, runs: { type: 'string', default: '5' }, tokens: { type: 'string', default: '32' } } });
  const names = values.configs.split(',');
  const repos: Record<string, string> = { 'sse/tiny-gpt2': TINY_DIR };
  if (names.includes('small')) repos['sse/gpt2-small-random'] = gpt2SmallCheckpoint();
  const hub = await startHubServer(repos);
  const vite = await startDevServer();
  const browser = await launchChromium();
  const page = await openPage(`${vite.url}/tests/browser/pages/blank.html`, { browser, echo: false });
  const lines: string[] = [];
  let adapter = '';
  try {
    for (const name of names) {
      const c = CONFIGS[name];
      if (!c) throw new Error(`--configs: unknown "${name}" (have: ${Object.keys(CONFIGS).join(', ')})`);
      const r = await callInPage<AttributionBenchResult>(page.page, '/bench/pages/attribution-bench.ts', 'benchAttribution', {
        hubUrl: hub.url, repo: c.repo, hook: c.hook, dSae: D_SAE, k: K, tokens: Number(values.tokens), runs: Number(values.runs),
      });
      adapter = r.adapter;
      lines.push(`${name.padEnd(5)} d_in ${r.dIn} d_sae ${D_SAE} k ${K}, ${values.tokens} tokens, median of ${values.runs} (GPU and CPU agree to ${r.agreement.toExponential(1)} rel.)`);
      lines.push(`  per-feature pass   webgpu ${ms(r.gpu.features)}   cpu twin ${ms(r.cpu.features)}   cpu/webgpu ${(r.cpu.features / r.gpu.features).toFixed(2)}×`);
      lines.push(`  whole attribution  webgpu ${ms(r.gpu.total)}   cpu twin ${ms(r.cpu.total)}   cpu/webgpu ${(r.cpu.total / r.gpu.total).toFixed(2)}×`);
      lines.push(`  shared phases      forward + KV read ${ms(r.cpu.forward)}   float64 backward ${ms(r.cpu.gradient)}   neurons ${ms(r.cpu.neurons)}`);
      console.log(lines.slice(-4).join('\n'));
    }
  } finally {
    await page.close();
    await browser.close();
    await vite.close();
    await hub.close();
  }
  const swift = /swiftshader/i.test(adapter) ? ' — SwiftShader (CPU-emulated WebGPU): not a GPU figure' : '';
  console.log(`\nbench:attribution — one prediction over all ${D_SAE} features; adapter: ${adapter}${swift}`);
  for (const l of lines) console.log(l);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
