// npm run bench:model — forward throughput (tokens/s) for batch 8 × 128 on the tiny model and on a
// GPT-2-small-shaped random checkpoint, WebGPU vs wasm in the same Chromium, and their ratio.
// Options: --runs N (default 3), --models tiny,small, --batch B, --seq T, --backends webgpu,wasm.
import { parseArgs } from 'node:util';
import { callInPage, launchChromium, openPage } from '../tests/browser/chromium';
import { TINY_DIR, gpt2SmallCheckpoint } from '../tests/helpers/checkpoints';
import { startHubServer } from '../tests/helpers/hub-server';
import type { BenchResult } from './pages/model-bench';
import { startDevServer } from './util';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      models: { type: 'string', default: 'tiny,small' },
      batch: { type: 'string', default: '8' },
      seq: { type: 'string', default: '128' },
      backends: { type: 'string', default: 'webgpu,wasm' },
    },
  });
  const repos: Record<string, string> = { 'sse/tiny-gpt2': TINY_DIR };
  if (values.models.includes('small')) repos['sse/gpt2-small-random'] = gpt2SmallCheckpoint(); // written once to the temp folder
  const hub = await startHubServer(repos);
  const vite = await startDevServer();
  const browser = await launchChromium();
  const page = await openPage(`${vite.url}/tests/browser/pages/blank.html`, { browser, echo: false });
  const rows: string[] = [];
  try {
    for (const m of values.models.split(',')) {
      const repo = m === 'tiny' ? 'sse/tiny-gpt2' : 'sse/gpt2-small-random';
      const results: Partial<Record<'webgpu' | 'wasm', BenchResult>> = {};
      for (const backend of values.backends.split(',') as ('webgpu' | 'wasm')[]) {
        const args = { hubUrl: hub.url, repo, backend, batch: Number(values.batch), seq: Number(values.seq), runs: Number(values.runs) };
        const r = await callInPage<BenchResult>(page.page, '/bench/pages/model-bench.ts', 'benchModel', args);
        if (r.backend !== backend) throw new Error(`${backend} fell back to ${r.backend}: ${r.fallbackReason}`);
        results[backend] = r;
        const line = `${m.padEnd(5)} ${backend.padEnd(6)} ${r.tokensPerSecond.toFixed(0).padStart(8)} tok/s   forward ${r.msPerForward.map((x) => x.toFixed(0)).join('/')} ms   build ${r.buildMs.toFixed(0)} ms   session ${r.sessionMs.toFixed(0)} ms${r.adapter ? `   (${r.adapter})` : ''}`;
        console.log(line);
        rows.push(line);
      }
      if (results.webgpu && results.wasm) {
        const line = `${m.padEnd(5)} webgpu/wasm ratio ${(results.webgpu.tokensPerSecond / results.wasm.tokensPerSecond).toFixed(2)}×`;
        console.log(line);
        rows.push(line);
      }
    }
  } finally {
    await page.close();
    await browser.close();
    await vite.close();
    await hub.close();
  }
  console.log(`\nbench:model — batch ${values.batch} × ${values.seq} tokens, median of ${values.runs} forwards after one warm-up`);
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
