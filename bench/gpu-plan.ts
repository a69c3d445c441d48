// What `npm run bench:gpu` measures and how it prints it, the same for both runtimes: the Node process on Dawn
// (bench/gpu-dawn.ts) and the Chromium page (bench/gpu.ts calls bench/pages/gpu-bench.ts in it). A runtime is an
// Executor; runOn() probes its adapter, picks GPU or software sizes, and prints each figure as it comes.
import { type KnownGpu, adapterText, matchGpu } from './gpu-peaks';
import type { AdapterReport, MatmulFigure, MatmulPlan, TrainFigure, TrainPlan } from './pages/gpu-bench';

export interface Executor {
  probe(): Promise<AdapterReport | null>;
  matmul(p: MatmulPlan): Promise<MatmulFigure>;
  train(p: TrainPlan): Promise<TrainFigure>;
}

export interface BenchOptions {
  /** fp32 peak of the adapter in TFLOPS, overriding the table. */
  peakTflops?: number;
  /** Run the small (software) sizes even on a GPU: a quick check that everything runs. */
  small?: boolean;
}

export interface RuntimeReport {
  runtime: string;
  adapter: AdapterReport | null;
  peak: { tflops: number; source: string } | null;
  matmul: MatmulFigure[];
  train: TrainFigure[];
}

export interface Plan {
  matmul: MatmulPlan[];
  train: TrainPlan[];
}

// Research sizes: GPT-2 small's residual stream (d_in 768), 24,576 and 98,304 latents, the recipe's batch 4096.
// On an H200-class GPU the whole plan takes well under a minute a runtime (the 98,304 step is ~0.6 TFLOP).
const GPU_PLAN: Plan = {
  matmul: [
    { B: 4096, dIn: 768, dSae: 24576, reps: 20 },
    { B: 4096, dIn: 768, dSae: 98304, reps: 5 },
  ],
  train: [
    { dIn: 768, dSae: 24576, k: 32, B: 4096, steps: 10, architecture: 'topk' },
    { dIn: 768, dSae: 24576, k: 128, B: 4096, steps: 10, architecture: 'topk' },
    { dIn: 768, dSae: 24576, k: 512, B: 4096, steps: 5, architecture: 'topk' },
    { dIn: 768, dSae: 24576, k: 32, B: 4096, steps: 10, architecture: 'batchtopk' },
    { dIn: 768, dSae: 98304, k: 32, B: 4096, steps: 5, architecture: 'topk' },
  ],
};

// A CPU implementation of WebGPU (SwiftShader runs ~0.1–1 GFLOP/s on a few cores): small sizes, so the run
// finishes in a couple of minutes; still k past the old 256 limit.
const SOFTWARE_PLAN: Plan = {
  matmul: [{ B: 64, dIn: 256, dSae: 2048, reps: 3 }],
  train: [
    { dIn: 256, dSae: 2048, k: 32, B: 64, steps: 2, architecture: 'topk' },
    { dIn: 256, dSae: 2048, k: 128, B: 64, steps: 2, architecture: 'topk' },
    { dIn: 256, dSae: 2048, k: 512, B: 64, steps: 2, architecture: 'topk' },
    { dIn: 256, dSae: 2048, k: 32, B: 64, steps: 2, architecture: 'batchtopk' },
  ],
};

export function planFor(adapter: AdapterReport, opts: BenchOptions): Plan {
  return adapter.software || opts.small ? SOFTWARE_PLAN : GPU_PLAN;
}

/** The fp32 peak: --peak-tflops, else the table by the adapter's info, else (same vendor) the other runtime's match. */
export function peakFor(adapter: AdapterReport, opts: BenchOptions, hint?: KnownGpu | null): RuntimeReport['peak'] {
  if (opts.peakTflops) return { tflops: opts.peakTflops, source: '--peak-tflops' };
  if (adapter.software) return null;
  const m = matchGpu(adapter);
  if (m) return { tflops: m.fp32Tflops, source: `table: ${m.name}` };
  if (hint && adapter.vendor && hint.name.toLowerCase().includes(adapter.vendor.toLowerCase())) {
    return { tflops: hint.fp32Tflops, source: `table: ${hint.name}, as Dawn named this ${adapter.vendor} GPU` };
  }
  return null;
}

export function describeAdapter(a: AdapterReport): string {
  const text = adapterText(a) || 'no adapter info';
  return a.software ? `${text} — SOFTWARE ADAPTER (WebGPU on the CPU): these are NOT GPU figures; small sizes` : text;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—');

export function matmulLabel(m: MatmulPlan): string {
  return `encoder matmul B ${m.B} × d_in ${m.dIn} × d_sae ${m.dSae}`;
}

export function trainLabel(t: TrainPlan): string {
  return `train ${t.architecture} ${t.dIn}×${t.dSae} k ${t.k} B ${t.B}`;
}

export function matmulLine(f: MatmulFigure, peak: RuntimeReport['peak']): string {
  if (f.error) return `${matmulLabel(f)}: failed: ${f.error}`;
  const share = peak ? `${fmt((100 * f.gflops) / (peak.tflops * 1000), 1)} % of fp32 peak ${peak.tflops} TFLOPS (${peak.source})` : 'fp32 peak unknown (pass --peak-tflops N)';
  return `${matmulLabel(f)}: ${fmt(f.gflops, 1)} GFLOP/s = ${share}; ${f.reps} dispatches in ${fmt(f.ms, 1)} ms`;
}

export function trainLine(f: TrainFigure): string {
  if (f.error) return `${trainLabel(f)}: failed: ${f.error}`;
  const extra = `k_aux ${f.kAux}${f.kCand ? `, kCand ${f.kCand}` : ''}`;
  return `${trainLabel(f)} (${extra}): ${fmt(f.tokensPerSecond)} tokens/s; ${fmt(f.ms, 1)} ms/step over ${f.steps} steps, warm-up ${fmt(f.warmupMs)} ms`;
}

/** Stream training (issue 16 item 1) is not in this build; the coordinator wires its figure here when it is. */
export const STREAM_LINE = 'stream: not available in this build';

/** Probes the runtime's adapter and prints every figure of its plan as it comes. */
export async function runOn(runtime: string, exec: Executor, opts: BenchOptions, print: (line: string) => void, hint?: KnownGpu | null): Promise<RuntimeReport> {
  const adapter = await exec.probe();
  const report: RuntimeReport = { runtime, adapter, peak: null, matmul: [], train: [] };
  if (!adapter) {
    print(`== ${runtime}: no WebGPU adapter found; nothing measured`);
    return report;
  }
  report.peak = peakFor(adapter, opts, hint);
  print(`== ${runtime}: ${describeAdapter(adapter)}`);
  const plan = planFor(adapter, opts);
  for (const m of plan.matmul) {
    const f = await exec.matmul(m);
    report.matmul.push(f);
    print(`  ${matmulLine(f, report.peak)}`);
  }
  for (const t of plan.train) {
    const f = await exec.train(t);
    report.train.push(f);
    print(`  ${trainLine(f)}`);
  }
  print(`  ${STREAM_LINE}`);
  return report;
}
