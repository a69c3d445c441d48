// npm run bench:harvest — end-to-end harvest tokens/s (read → tokenize → forward → store into IndexedDB)
// next to model-forward-only tokens/s over the same windows, in the same Chromium, and their ratio
// (target ≥ 0.8); and the peak JS heap at 1× and 10× corpus size (target: flat).
// Options: --models tiny,small  --backend wasm|webgpu  --chars N (1× size; default 40000 tiny, 4000 small)
import { parseArgs } from 'node:util';
import { callInPage, launchChromium, openPage } from '../tests/browser/chromium';
import { TINY_DIR, gpt2SmallCheckpoint } from '../tests/helpers/checkpoints';
import { startHubServer } from '../tests/helpers/hub-server';
import type { HarvestBenchResult } from './pages/harvest-bench';
import { startDevServer } from './util';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'tiny,small' },
      backend: { type: 'string', default: 'wasm' },
      chars: { type: 'string' },
    },
  });
  const models = values.models.split(',');
  const repos: Record<string, string> = { 'sse/tiny-gpt2': TINY_DIR };
  if (models.includes('small')) repos['sse/gpt2-small-random'] = gpt2SmallCheckpoint();
  const hub = await startHubServer(repos);
  const vite = await startDevServer();
  const browser = await launchChromium(['--enable-precise-memory-info', '--js-flags=--expose-gc']);
  const page = await openPage(`${vite.url}/tests/browser/pages/blank.html`, { browser, echo: false });
  const lines: string[] = [];
  try {
    for (const m of models) {
      const base = Number(values.chars ?? (m === 'tiny' ? 40_000 : 4_000));
      for (const scale of [1, 10]) {
        const r = await callInPage<HarvestBenchResult>(page.page, '/bench/pages/harvest-bench.ts', 'benchHarvest', {
          hubUrl: hub.url,
          repo: m === 'tiny' ? 'sse/tiny-gpt2' : 'sse/gpt2-small-random',
          backend: values.backend,
          corpusUrl: `${vite.url}/samples/moby-dick.txt`,
          chars: base * scale,
          hook: m === 'tiny' ? 'blocks.2.hook_resid_post' : 'blocks.6.hook_resid_post',
          contextLength: 128,
          batchSize: 8,
        });
        const line =
          `${m.padEnd(5)} ${String(scale).padStart(2)}× ${String(r.tokens).padStart(7)} tokens   end-to-end ${r.endToEndTokensPerSecond.toFixed(0).padStart(6)} tok/s` +
          `   forward-only ${r.forwardOnlyTokensPerSecond.toFixed(0).padStart(6)} tok/s   ratio ${r.ratio.toFixed(2)}   (tokenize ${r.tokenizeSeconds.toFixed(2)} s)` +
          `   peak JS heap ${r.peakHeapMB === null ? 'n/a' : `${r.peakHeapMB.toFixed(0)} MB`}`;
        console.log(line);
        lines.push(line);
      }
    }
  } finally {
    await page.close();
    await browser.close();
    await vite.close();
    await hub.close();
  }
  console.log(`\nbench:harvest — ${values.backend} backend, context 128, batch 8, one hook (fp32 rows) into IndexedDB`);
  for (const l of lines) console.log(l);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
