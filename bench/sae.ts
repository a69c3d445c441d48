// npm run bench:sae — TopK SAE training throughput (tokens/s) and achieved GFLOP/s of one step on WebGPU
// (src/sae/train/gpu-step.ts), for GPT-2 small's residual stream (d_in 768, width 24576, k 32) and the tiny
// model's (d_in 256, width 8192, k 32), next to the CPU twin's step (src/sae/train/cpu-step.ts) in the same
// Chromium page, their ratio, and each kernel's share of a profiling step (every dispatch submitted alone).
// Options: --configs small,tiny  --batch B (default 64)  --steps N (default 2)  --cpu-batch B (default: the
//          batch; rows of the CPU twin's single step — tokens/s is per row, so a smaller one keeps it quick).
// Default batch 64, not the recipe's 4096: on this GPU-less machine Chromium's WebGPU is SwiftShader (CPU Vulkan,
// measured ~0.1 GFLOP/s on 2 cores), where one B 4096 step of the small config (~158 GFLOP) would take ~25 min.
// Tokens/s and GFLOP/s barely depend on B once the encoder matmul dominates; on a real GPU pass --batch 4096.
import { parseArgs } from 'node:util';
import { callInPage, launchChromium, openPage } from '../tests/browser/chromium';
import type { SaeBenchResult } from './pages/sae-bench';
import { startDevServer } from './util';

const CONFIGS: Record<string, { dIn: number; dSae: number; k: number }> = {
  small: { dIn: 768, dSae: 24576, k: 32 },
  tiny: { dIn: 256, dSae: 8192, k: 32 },
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      configs: { type: 'string', default: 'small,tiny' },
      batch: { type: 'string', default: '64' },
      steps: { type: 'string', default: '2' },
      'cpu-batch': { type: 'string' },
    },
  });
  const batch = Number(values.batch);
  const cpuBatch = Number(values['cpu-batch'] ?? batch);
  const vite = await startDevServer();
  const browser = await launchChromium();
  const page = await openPage(`${vite.url}/tests/browser/pages/blank.html`, { browser, echo: false });
  const lines: string[] = [];
  const log = (l: string) => {
    console.log(l);
    lines.push(l);
  };
  let adapter = '';
  try {
    for (const name of values.configs.split(',')) {
      const c = CONFIGS[name];
      if (!c) throw new Error(`--configs: unknown "${name}" (have: ${Object.keys(CONFIGS).join(', ')})`);
      const r = await callInPage<SaeBenchResult>(page.page, '/bench/pages/sae-bench.ts', 'benchSae', {
        ...c,
        batch,
        steps: Number(values.steps),
        cpuBatch,
      });
      adapter = r.adapter;
      const head = `${name.padEnd(5)} d_in ${c.dIn} d_sae ${c.dSae} k ${c.k} k_aux ${r.kAux} B ${batch}`;
      log(`${head}   ${(r.flopsPerStep / 1e9).toFixed(1)} GFLOP/step`);
      log(`  webgpu ${r.tokensPerSecond.toFixed(0).padStart(8)} tok/s ${r.gflops.toFixed(2).padStart(8)} GFLOP/s   step ${r.msPerStep.map((x) => x.toFixed(0)).join('/')} ms   warm-up ${r.warmupMs.toFixed(0)} ms`);
      if (r.cpuMs !== null && r.cpuTokensPerSecond !== null && r.cpuGflops !== null) {
        log(`  cpu    ${r.cpuTokensPerSecond.toFixed(0).padStart(8)} tok/s ${r.cpuGflops.toFixed(2).padStart(8)} GFLOP/s   step ${r.cpuMs.toFixed(0)} ms (B ${Math.min(cpuBatch, batch)})`);
        log(`  webgpu/cpu ratio ${(r.tokensPerSecond / r.cpuTokensPerSecond).toFixed(2)}×`);
      }
      log(`  per kernel (profiling step, each dispatch submitted alone: ${r.profiledMs.toFixed(0)} ms):`);
      for (const k of r.kernels) {
        log(`    ${k.name.padEnd(22)} ×${String(k.calls).padEnd(2)} ${k.ms.toFixed(1).padStart(9)} ms ${((100 * k.ms) / r.profiledMs).toFixed(1).padStart(5)} %`);
      }
    }
  } finally {
    await page.close();
    await browser.close();
    await vite.close();
  }
  const swift = /swiftshader/i.test(adapter) ? ' — SwiftShader (CPU-emulated WebGPU): not a GPU figure' : '';
  console.log(`\nbench:sae — one TopK SAE training step (AuxK on), median of ${values.steps} steps after one warm-up, batch ${batch}` +
      `${batch < 4096 ? ' (recipe: 4096; pass --batch 4096 on a real GPU)' : ''}; adapter: ${adapter}${swift}`);
  for (const l of lines) console.log(l);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
