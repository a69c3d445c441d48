// npm run bench:gpu — the SAE trainer's WGSL on the machine's GPU, in both runtimes a user or a script may have:
//   1. Node + Dawn (the `webgpu` npm package), in a child process (bench/gpu-dawn.ts)
//   2. Chromium (playwright-core, /usr/bin/chromium or CHROMIUM_PATH, --enable-unsafe-webgpu), headless
// Each prints encoder-matmul GFLOP/s with its share of the adapter's fp32 peak (bench/gpu-peaks.ts table, or
// --peak-tflops), training-step tokens/s for 768×24576 at k 32 / 128 / 512 (B 4096), BatchTopK k 32 and
// 768×98304 k 32, and stream-training tokens/s where the build has it; then both side by side.
// On a software adapter (SwiftShader, llvmpipe: isFallbackAdapter or its name) it says so and runs small sizes.
//
// Options:
//   --peak-tflops N        fp32 peak of the GPU, when the table does not know it (or to override it)
//   --small                the small sizes even on a GPU (a quick check that everything runs)
//   --only dawn|chromium   one runtime
//   --chromium-gpu MODE    swiftshader: the test suite's flags (CPU WebGPU)
//                          vulkan: --use-angle=vulkan --enable-features=Vulkan,… (Linux + NVIDIA/AMD, no display)
//                          default: just --enable-unsafe-webgpu --ignore-gpu-blocklist (macOS, Windows, desktops)
//                          auto (default): vulkan on Linux when Dawn found a hardware GPU, swiftshader on Linux
//                          otherwise, default elsewhere
//   --dawn-flags a,b       Dawn toggles for webgpu's create() (e.g. backend=vulkan, adapter=NVIDIA)
// Dawn needs libvulkan.so.1 and a Vulkan driver (NVIDIA: the driver's ICD, /usr/share/vulkan/icd.d/nvidia_icd.json;
// `apt-get install libvulkan1` if the loader is missing). When it finds no adapter and this Chromium ships
// SwiftShader's Vulkan ICD, Dawn is run again on that (a software adapter, said so).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH, callInPage, openPage } from '../tests/browser/chromium';
import { type BenchOptions, type Executor, type RuntimeReport, STREAM_LINE, matmulLabel, runOn, trainLabel } from './gpu-plan';
import { type KnownGpu, matchGpu } from './gpu-peaks';
import type { AdapterReport, MatmulFigure, MatmulPlan, TrainFigure, TrainPlan } from './pages/gpu-bench';
import { startDevServer } from './util';

const root = resolve(import.meta.dirname, '..');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const CHROMIUM_BASE = ['--enable-unsafe-webgpu', '--enable-webgpu-developer-features', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update'];
const CHROMIUM_MODES: Record<string, string[]> = {
  swiftshader: ['--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader'],
  // Headless Linux with a GPU and no display: WebGPU through Vulkan, no GL surface.
  vulkan: ['--use-angle=vulkan', '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan', '--use-vulkan', '--disable-vulkan-surface', '--ignore-gpu-blocklist'],
  default: ['--ignore-gpu-blocklist'],
};

interface DawnRun {
  report: RuntimeReport | null;
  lines: string[];
  error: string | null;
}

/** bench/gpu-dawn.ts in a child process with `env`; its lines are echoed as they come. */
function runDawnChild(opts: BenchOptions, dawnFlags: string[], env: NodeJS.ProcessEnv): Promise<DawnRun> {
  const tsx = resolve(root, 'node_modules/.bin/tsx');
  return new Promise((done) => {
    const child = spawn(tsx, [resolve(root, 'bench/gpu-dawn.ts'), JSON.stringify({ opts, dawnFlags })], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let report: RuntimeReport | null = null;
    let err = '';
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('@@RESULT ')) report = JSON.parse(line.slice(9)) as RuntimeReport;
        else {
          lines.push(line);
          console.log(line);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code) => {
      // Dawn's warnings (e.g. "Couldn't load Vulkan") go to stderr; keep the last lines for the report.
      const tail = err.trim().split('\n').slice(-4).join('\n');
      done({ report, lines, error: code === 0 ? null : `exit ${code}${tail ? `: ${tail}` : ''}` });
    });
  });
}

async function runDawn(opts: BenchOptions, dawnFlags: string[]): Promise<RuntimeReport | null> {
  try {
    createRequire(import.meta.url).resolve('webgpu');
  } catch {
    console.log('== Node + Dawn: the `webgpu` package is not installed (npm ci installs it as a devDependency); skipped');
    return null;
  }
  const first = await runDawnChild(opts, dawnFlags, process.env);
  if (first.error) console.log(`   Dawn child failed: ${first.error}`);
  if (first.report?.adapter) return first.report;
  const canRetry = existsSync(SWIFTSHADER_ICD) && !process.env.VK_ICD_FILENAMES;
  if (!canRetry) return first.report;
  console.log(`   Dawn found no adapter; running it again on the SwiftShader Vulkan ICD that Chromium ships (${SWIFTSHADER_ICD})`);
  const env = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD, LD_LIBRARY_PATH: ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const second = await runDawnChild(opts, dawnFlags, env);
  if (second.error) console.log(`   Dawn child failed: ${second.error}`);
  return second.report ?? first.report;
}

function chromiumMode(requested: string, dawn: RuntimeReport | null): string {
  if (requested !== 'auto') {
    if (!CHROMIUM_MODES[requested]) throw new Error(`--chromium-gpu: unknown "${requested}" (have: auto, ${Object.keys(CHROMIUM_MODES).join(', ')})`);
    return requested;
  }
  if (process.platform !== 'linux') return 'default';
  return dawn?.adapter && !dawn.adapter.software ? 'vulkan' : 'swiftshader';
}

async function runChromium(opts: BenchOptions, mode: string, hint: KnownGpu | null): Promise<RuntimeReport | null> {
  if (!existsSync(CHROMIUM_PATH)) {
    console.log(`== Chromium: not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH); skipped`);
    return null;
  }
  const vite = await startDevServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_BASE, ...CHROMIUM_MODES[mode]] });
  const opened = await openPage(`${vite.url}/tests/browser/pages/blank.html`, { browser, echo: false });
  const MODULE = '/bench/pages/gpu-bench.ts';
  const call = <T>(fn: string, arg?: unknown) => callInPage<T>(opened.page, MODULE, fn, arg);
  // A renderer that dies (out of memory at the largest size) fails that figure, not the run.
  const guard = async <P extends object, F>(fn: string, p: P, failed: (e: string) => F) => {
    try {
      return await call<F>(fn, p);
    } catch (err) {
      return failed((err as Error).message.split('\n')[0]);
    }
  };
  const exec: Executor = {
    probe: () => call<AdapterReport | null>('probeAdapter'),
    matmul: (p: MatmulPlan) => guard('benchMatmul', p, (error): MatmulFigure => ({ ...p, ms: NaN, gflops: NaN, error })),
    train: (p: TrainPlan) => guard('benchTrain', p, (error): TrainFigure => ({ ...p, kAux: 0, kCand: null, warmupMs: NaN, ms: NaN, tokensPerSecond: NaN, error })),
  };
  try {
    const report = await runOn(`Chromium ${browser.version()} (--chromium-gpu ${mode})`, exec, opts, (l) => console.log(l), hint);
    if (mode !== 'swiftshader' && report.adapter?.software) {
      console.log(`   Chromium fell back to a software adapter with the ${mode} flags: see chrome://gpu, or try --chromium-gpu ${mode === 'vulkan' ? 'default' : 'vulkan'}`);
    }
    return report;
  } finally {
    await opened.close();
    await browser.close();
    await vite.close();
  }
}

const num = (n: number | undefined, digits: number) => (n !== undefined && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—');

/** Both runtimes side by side, one row per figure. */
function summary(reports: RuntimeReport[]): string[] {
  const cols = reports.map((r) => (r.runtime.startsWith('Node') ? 'Dawn' : 'Chromium') + (r.adapter?.software ? ' (software)' : ''));
  const rows: [string, string[]][] = [];
  const labels = new Map<string, string[]>();
  reports.forEach((r, i) => {
    for (const m of r.matmul) {
      const key = `${matmulLabel(m)} GFLOP/s`;
      const share = r.peak && Number.isFinite(m.gflops) ? ` (${num((100 * m.gflops) / (r.peak.tflops * 1000), 1)} %)` : '';
      (labels.get(key) ?? labels.set(key, cols.map(() => '—')).get(key)!)[i] = `${num(m.gflops, 1)}${share}`;
    }
    for (const t of r.train) {
      const key = `${trainLabel(t)} tokens/s`;
      (labels.get(key) ?? labels.set(key, cols.map(() => '—')).get(key)!)[i] = num(t.tokensPerSecond, 0);
    }
  });
  for (const [k, v] of labels) rows.push([k, v]);
  const w0 = Math.max(...rows.map(([k]) => k.length), 10);
  const ws = cols.map((c, i) => Math.max(c.length, ...rows.map(([, v]) => v[i].length)));
  const line = (a: string, b: string[]) => `${a.padEnd(w0)}  ${b.map((x, i) => x.padStart(ws[i])).join('  ')}`;
  return [line('', cols), ...rows.map(([k, v]) => line(k, v))];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'peak-tflops': { type: 'string' },
      small: { type: 'boolean', default: false },
      only: { type: 'string' },
      'chromium-gpu': { type: 'string', default: 'auto' },
      'dawn-flags': { type: 'string', default: '' },
    },
  });
  const peak = values['peak-tflops'] === undefined ? undefined : Number(values['peak-tflops']);
  if (peak !== undefined && !(peak > 0)) throw new Error(`--peak-tflops: "${values['peak-tflops']}" must be a positive number (TFLOPS)`);
  if (values.only && values.only !== 'dawn' && values.only !== 'chromium') throw new Error(`--only: "${values.only}" must be dawn or chromium`);
  const opts: BenchOptions = { peakTflops: peak, small: values.small };
  const t0 = performance.now();

  const reports: RuntimeReport[] = [];
  let dawn: RuntimeReport | null = null;
  if (values.only !== 'chromium') {
    dawn = await runDawn(opts, values['dawn-flags'].split(',').filter(Boolean));
    if (dawn) reports.push(dawn);
  }
  if (values.only !== 'dawn') {
    const hint = dawn?.adapter && !dawn.adapter.software ? matchGpu(dawn.adapter) : null;
    const c = await runChromium(opts, chromiumMode(values['chromium-gpu'], dawn), hint);
    if (c) reports.push(c);
  }

  console.log(`\nbench:gpu — ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  for (const r of reports) {
    const a = r.adapter;
    const what = !a ? 'no adapter' : a.software ? 'SOFTWARE ADAPTER: not GPU figures' : `peak ${r.peak ? `${r.peak.tflops} TFLOPS fp32 (${r.peak.source})` : 'unknown: pass --peak-tflops N'}`;
    console.log(`  ${r.runtime}: ${a ? [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') : '—'} — ${what}`);
  }
  if (reports.some((r) => r.matmul.length + r.train.length > 0)) for (const l of summary(reports.filter((r) => r.adapter))) console.log(l);
  console.log(STREAM_LINE);
  if (reports.some((r) => r.adapter?.software)) {
    console.log('Software-adapter figures measure a CPU emulating WebGPU, at small sizes: they say nothing about GPU speed.');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
