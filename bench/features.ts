// npm run bench:features — the feature statistics pass (both passes: counts/max/top-N, then histograms and band
// samples) per million rows, on WebGPU and on the CPU in the same Chromium page, for GPT-2 small's width (d_in 768,
// d_sae 24576, k 32) and the tiny model's (d_in 256, d_sae 2048 = 8 × d_in, k 32); and, in the same run, the
// end-to-end harvest of each model (bench/pages/harvest-bench.ts) per million rows — the target is a
// stats pass no slower than the harvest that produced the rows.
// Options: --configs small,tiny  --rows N (GPU rows; default small 32, tiny 512 — SwiftShader is slow)
//          --cpu-rows N (default small 16, tiny 256)  --no-harvest
//          --table-rows N (correlation pass rows; default 256)  --cosine-blocks N (blocks of 256 timed; default 4)
//          --exact-knn (time every block, and UMAP on the exact table)  --no-tables
// The feature tables (src/analysis/feature-tables.ts) at each width: one nearest-by-cosine table on the wasm matmul
// (timed on a few blocks of 256 rows and scaled: every block is the same work), the correlation pass per 1M rows,
// and the UMAP map of all d_sae decoder directions.
import { parseArgs } from 'node:util';
import { callInPage, launchChromium, openPage } from '../tests/browser/chromium';
import { TINY_DIR, gpt2SmallCheckpoint } from '../tests/helpers/checkpoints';
import { startHubServer } from '../tests/helpers/hub-server';
import type { FeaturesBenchResult, TablesBenchResult } from './pages/features-bench';
import type { HarvestBenchResult } from './pages/harvest-bench';
import { startDevServer } from './util';

const CONFIGS: Record<string, { dIn: number; dSae: number; k: number; rows: number; cpuRows: number; repo: string; hook: string; chars: number }> = {
  small: { dIn: 768, dSae: 24576, k: 32, rows: 32, cpuRows: 16, repo: 'sse/gpt2-small-random', hook: 'blocks.6.hook_resid_post', chars: 4_000 },
  tiny: { dIn: 256, dSae: 2048, k: 32, rows: 512, cpuRows: 256, repo: 'sse/tiny-gpt2', hook: 'blocks.2.hook_resid_post', chars: 40_000 },
};

const perMillion = (msPerRow: number) => `${((msPerRow * 1e6) / 1000 / 60).toFixed(1).padStart(8)} min`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { configs: { type: 'string', default: 'small,tiny' }, rows: { type: 'string' }, 'cpu-rows': { type: 'string' }, 'no-harvest': { type: 'boolean', default: false }, 'table-rows': { type: 'string', default: '256' }, 'cosine-blocks': { type: 'string', default: '4' }, 'exact-knn': { type: 'boolean', default: false }, 'no-tables': { type: 'boolean', default: false } } });
  const names = values.configs.split(',');
  const repos: Record<string, string> = { 'sse/tiny-gpt2': TINY_DIR };
  if (names.includes('small') && !values['no-harvest']) repos['sse/gpt2-small-random'] = gpt2SmallCheckpoint();
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
      const rows = Number(values.rows ?? c.rows);
      const cpuRows = Number(values['cpu-rows'] ?? c.cpuRows);
      const first = lines.length;
      const r = await callInPage<FeaturesBenchResult>(page.page, '/bench/pages/features-bench.ts', 'benchFeatures', { dIn: c.dIn, dSae: c.dSae, k: c.k, rows, cpuRows, batch: Math.min(256, rows) });
      adapter = r.adapter;
      lines.push(`${name.padEnd(5)} d_in ${c.dIn} d_sae ${c.dSae} k ${c.k}   (GPU ${rows} rows, CPU ${cpuRows} rows; pipelines ${r.warmupMs.toFixed(0)} ms)`);
      lines.push(`  stats pass  webgpu ${perMillion(r.gpuMsPerRow)}   cpu (wasm matmul) ${perMillion(r.onnxMsPerRow)}   cpu (plain JS) ${perMillion(r.cpuMsPerRow)}   per 1M rows   webgpu/cpu speed ${(r.onnxMsPerRow / r.gpuMsPerRow).toFixed(2)}×`);
      if (!values['no-tables']) {
        const tr = await callInPage<TablesBenchResult>(page.page, '/bench/pages/features-bench.ts', 'benchTables', {
          dIn: c.dIn, dSae: c.dSae, k: c.k, rows: Number(values['table-rows']), batch: 256, cosineBlocks: Number(values['cosine-blocks']), exactKnn: values['exact-knn'],
        });
        const timed = tr.cosineBlocksTimed === tr.cosineBlocksAll ? 'all' : `${tr.cosineBlocksTimed} of ${tr.cosineBlocksAll}`;
        lines.push(`  tables      cosine table (wasm, ${timed} blocks) ${(tr.cosineTableMs / 1000).toFixed(1)} s each ×2 (decoder, encoder)   correlation pass ${perMillion(tr.correlationMsPerRow)} per 1M rows (sums alone ${perMillion(tr.correlationSumsMsPerRow)})`);
        lines.push(`  map         UMAP of ${c.dSae} points, ${tr.umapEpochs} epochs (${tr.knn} 15-NN graph) ${(tr.umapMs / 1000).toFixed(1)} s`);
      }
      if (!values['no-harvest']) {
        const h = await callInPage<HarvestBenchResult>(page.page, '/bench/pages/harvest-bench.ts', 'benchHarvest', {
          hubUrl: hub.url, repo: c.repo, backend: 'wasm', corpusUrl: `${vite.url}/samples/moby-dick.txt`, chars: c.chars, hook: c.hook, contextLength: 128, batchSize: 8,
        });
        const harvestMsPerRow = 1000 / h.endToEndTokensPerSecond;
        const best = Math.min(r.gpuMsPerRow, r.onnxMsPerRow);
        lines.push(`  harvest (wasm, ${h.tokens} tokens) ${perMillion(harvestMsPerRow)} per 1M rows   stats/harvest time: webgpu ${(r.gpuMsPerRow / harvestMsPerRow).toFixed(2)}, cpu ${(r.onnxMsPerRow / harvestMsPerRow).toFixed(2)}, best ${(best / harvestMsPerRow).toFixed(2)} (target ≤ 1)`);
      }
      console.log(lines.slice(first).join('\n'));
    }
  } finally {
    await page.close();
    await browser.close();
    await vite.close();
    await hub.close();
  }
  const swift = /swiftshader/i.test(adapter) ? ' — SwiftShader (CPU-emulated WebGPU): not a GPU figure' : '';
  console.log(`\nbench:features — feature statistics pass, both passes, batch ≤ 256; adapter: ${adapter}${swift}`);
  for (const l of lines) console.log(l);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
