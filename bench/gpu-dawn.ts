// The Node half of `npm run bench:gpu`, run by bench/gpu.ts as a child process (so that a Dawn crash or a
// missing driver cannot take the Chromium half down, and so the parent can set LD_LIBRARY_PATH / VK_ICD_FILENAMES
// before Dawn loads Vulkan). Dawn comes from the `webgpu` npm package; its GPU goes on navigator.gpu, and
// bench/pages/gpu-bench.ts — the same module the Chromium page runs, the product's WGSL and launchers — is loaded
// through Vite's SSR loader, which resolves the `?raw` shader imports as the page's build does.
// argv[2]: JSON { opts: BenchOptions, dawnFlags: string[] }. Prints figure lines, then one "@@RESULT <json>" line.
import { resolve } from 'node:path';
import { createServer } from 'vite';
import { type BenchOptions, type Executor, runOn } from './gpu-plan';
import type * as GpuBench from './pages/gpu-bench';

const root = resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
  const { opts, dawnFlags } = JSON.parse(process.argv[2] ?? '{}') as { opts: BenchOptions; dawnFlags: string[] };
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals); // GPUBufferUsage, GPUShaderStage, GPUMapMode, …
  const gpu = create(dawnFlags ?? []);
  const nav = (globalThis as { navigator?: object }).navigator ?? {};
  Object.defineProperty(globalThis, 'navigator', { value: Object.assign(Object.create(nav), { gpu }), configurable: true, writable: true });

  const vite = await createServer({
    configFile: resolve(root, 'vite.config.ts'),
    root,
    logLevel: 'error',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false },
  });
  try {
    const m = (await vite.ssrLoadModule('/bench/pages/gpu-bench.ts')) as typeof GpuBench;
    const exec: Executor = { probe: m.probeAdapter, matmul: m.benchMatmul, train: m.benchTrain };
    const report = await runOn('Node + Dawn (webgpu npm package)', exec, opts ?? {}, (l) => console.log(l));
    console.log(`@@RESULT ${JSON.stringify(report)}`);
  } finally {
    await vite.close();
  }
}

main().then(
  () => process.exit(0), // Dawn keeps handles open; the figures are out
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
