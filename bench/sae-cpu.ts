// npm run bench:sae-cpu — TopK SAE training tokens/s on the CPU, in one run: the fast CPU step
// (src/sae/train/cpu-fast-step.ts: encoder on onnxruntime-web wasm SIMD + threads), the CPU twin step
// (src/sae/train/cpu-step.ts, plain loops), and PyTorch (bench/sae_torch.py, Debian's python3-torch, all cores)
// on the same SAE and batch, with the ratios fast/PyTorch and fast/twin. Runs in Node, where ort's wasm backend
// uses worker threads as in a cross-origin-isolated page.
// AuxK runs every step: before each step latent l is held dead iff l % deadEvery == 0 (both sides, untimed), so
// AuxK's k_aux = d_in / 2 slots are as busy as in a run with that many dead latents.
// Options: --configs tiny,small  --batch B (4096)  --steps N (timed steps of fast and PyTorch, after a warm-up;
//          default 3)  --twin-batch B (1024: the twin's one timed step; tokens/s is per row)  --dead-every N (4; 0: no
//          AuxK)  --no-twin  --no-torch  --families standard,jumprelu (the dense families' CPU steps, one step of
//          B --twin-batch each, plain-loop twins; "none" to skip)
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ort } from '../src/model/runtime';
import { type FastStepTimes, createFastCpuTrainer } from '../src/sae/train/cpu-fast-step';
import { cpuTrainStep, initSaeParams } from '../src/sae/train/cpu-step';
import { gaussian, mulberry32 } from '../src/sae/train/rng';
import { initJumpReluParams, jumpreluTrainConfig, jumpreluTrainStep } from '../src/sae/train/jumprelu-step';
import { initStandardParams, standardTrainConfig, standardTrainStep } from '../src/sae/train/standard-step';
import { type SaeTrainConfig, type SaeTrainState, initTrainState, trainConfig } from '../src/sae/train/types';

const CONFIGS: Record<string, { dIn: number; dSae: number; k: number }> = {
  tiny: { dIn: 256, dSae: 2048, k: 32 },
  small: { dIn: 768, dSae: 24576, k: 32 },
};
const DEAD_TOKENS = 1_000_000;

function randomRows(n: number, seed: number): Float32Array {
  const normal = gaussian(mulberry32(seed));
  return Float32Array.from({ length: n }, () => normal());
}

function holdDead(state: SaeTrainState, every: number): void {
  for (let l = 0; l < state.sinceFired.length; l++) state.sinceFired[l] = every > 0 && l % every === 0 ? DEAD_TOKENS : 0;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function benchFast(cfg: SaeTrainConfig, B: number, steps: number, every: number) {
  const state = initTrainState(initSaeParams(cfg, 1));
  const xs = [randomRows(B * cfg.dIn, 2), randomRows(B * cfg.dIn, 3)];
  const trainer = await createFastCpuTrainer(cfg);
  const ms: number[] = [];
  const splits: FastStepTimes[] = [];
  let cpu = 0;
  try {
    for (let s = 0; s <= steps; s++) {
      holdDead(state, every);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const stats = await trainer.step(state, xs[s % 2], B, 1e-4);
      const t = performance.now() - t0;
      if (s === 0) continue; // warm-up: sessions, JIT, wasm heap growth
      const c = process.cpuUsage(c0); // all of the process's threads: > 1 when ort's workers run in parallel
      cpu += (c.user + c.system) / 1e3;
      ms.push(t);
      splits.push({ ...trainer.times });
      if (s === 1) console.error(`  fast: numDead ${stats.numDead}, loss ${stats.loss.toFixed(3)}`);
    }
  } finally {
    await trainer.dispose();
  }
  const i = ms.indexOf(median(ms));
  return { ms, tokensPerSecond: B / (ms[i] / 1e3), split: splits[i], cpuPerWall: cpu / ms.reduce((a, b) => a + b, 0) };
}

function benchTwin(cfg: SaeTrainConfig, B: number, every: number) {
  const state = initTrainState(initSaeParams(cfg, 1));
  const warm = Math.min(B, 8);
  holdDead(state, every);
  cpuTrainStep(state, randomRows(warm * cfg.dIn, 4), warm, cfg, 1e-4); // JIT
  const x = randomRows(B * cfg.dIn, 2);
  holdDead(state, every);
  const t0 = performance.now();
  cpuTrainStep(state, x, B, cfg, 1e-4);
  const ms = performance.now() - t0;
  return { ms, tokensPerSecond: B / (ms / 1e3) };
}

/** One step of a dense family's CPU step (every latent computed, no top-k) at batch B, after a small JIT step. */
function benchFamily(family: string, dIn: number, dSae: number, B: number) {
  let step: (x: Float32Array, n: number) => void;
  if (family === 'standard') {
    const cfg = standardTrainConfig({ dIn, dSae });
    const state = initTrainState(initStandardParams(cfg, 1));
    step = (x, n) => standardTrainStep(state, x, n, cfg, 1e-4);
  } else if (family === 'jumprelu') {
    const cfg = jumpreluTrainConfig({ dIn, dSae, thresholdParam: 'direct' });
    const state = initTrainState(initJumpReluParams(cfg, 1));
    step = (x, n) => jumpreluTrainStep(state, x, n, cfg, 1e-4);
  } else {
    throw new Error(`--families: unknown "${family}" (have: standard, jumprelu)`);
  }
  const warm = Math.min(B, 8);
  step(randomRows(warm * dIn, 4), warm);
  const x = randomRows(B * dIn, 2);
  const t0 = performance.now();
  step(x, B);
  const ms = performance.now() - t0;
  return { ms, tokensPerSecond: B / (ms / 1e3) };
}

interface TorchRun {
  msPerStep: number[];
  tokensPerSecond: number;
}
type TorchResult = { torch: string; threads: number; sparse: TorchRun; dense: TorchRun } | { unavailable: string };

/** Debian's python3 first (python3-torch installs there), then whatever python3 is on PATH. */
function findTorchPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

function benchTorch(py: string | null, cfg: SaeTrainConfig, B: number, steps: number, every: number): TorchResult {
  if (!py) return { unavailable: 'no python3 with torch (Debian: apt-get install -y python3-torch libopenblas0-pthread)' };
  const arg = JSON.stringify({ dIn: cfg.dIn, dSae: cfg.dSae, k: cfg.k, kAux: cfg.kAux, auxCoef: cfg.auxCoef, batch: B, steps, deadEvery: every });
  const r = spawnSync(py, [resolve(import.meta.dirname, 'sae_torch.py'), arg], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return { unavailable: `bench/sae_torch.py failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      configs: { type: 'string', default: 'tiny,small' },
      batch: { type: 'string', default: '4096' },
      steps: { type: 'string', default: '3' },
      'twin-batch': { type: 'string', default: '1024' },
      'dead-every': { type: 'string', default: '4' },
      'no-twin': { type: 'boolean', default: false },
      'no-torch': { type: 'boolean', default: false },
      families: { type: 'string', default: 'standard,jumprelu' },
    },
  });
  const B = Number(values.batch);
  const steps = Number(values.steps);
  const twinB = Math.min(B, Number(values['twin-batch']));
  const every = Number(values['dead-every']);
  const py = values['no-torch'] ? null : findTorchPython();
  const lines: string[] = [];
  const log = (l: string) => {
    console.error(l);
    lines.push(l);
  };
  const f0 = (v: number) => v.toFixed(0).padStart(8);
  for (const name of values.configs.split(',')) {
    const c = CONFIGS[name];
    if (!c) throw new Error(`--configs: unknown "${name}" (have: ${Object.keys(CONFIGS).join(', ')})`);
    const cfg = trainConfig({ ...c, deadTokens: DEAD_TOKENS });
    log(`${name.padEnd(5)} d_in ${c.dIn} d_sae ${c.dSae} k ${c.k} k_aux ${cfg.kAux}, AuxK on ${every > 0 ? `1 in ${every} latents held dead` : 'no latents (none dead)'}`);
    const fast = await benchFast(cfg, B, steps, every);
    const sp = fast.split;
    log(`  fast    ${f0(fast.tokensPerSecond)} tok/s   B ${B}, median of ${steps} steps ${fast.ms.map((x) => x.toFixed(0)).join('/')} ms` +
        ` (ort encoder+top-k ${sp.encoder.toFixed(0)}, wasm sparse ${sp.sparse.toFixed(0)}, JS update ${sp.update.toFixed(0)} ms; cpu/wall ${fast.cpuPerWall.toFixed(2)})`);
    const twin = values['no-twin'] ? null : benchTwin(cfg, twinB, every);
    if (twin) log(`  twin    ${f0(twin.tokensPerSecond)} tok/s   B ${twinB}, 1 step ${twin.ms.toFixed(0)} ms`);
    const torch = values['no-torch'] ? { unavailable: '--no-torch' } : benchTorch(py, cfg, B, steps, every);
    let best: number | null = null;
    if ('unavailable' in torch) {
      log(`  PyTorch not available: ${torch.unavailable}`);
    } else {
      for (const dec of ['sparse', 'dense'] as const) {
        const r = torch[dec];
        log(`  torch ${dec.padEnd(6)}${f0(r.tokensPerSecond)} tok/s   B ${B}, median of ${steps} steps ${r.msPerStep.map((x) => x.toFixed(0)).join('/')} ms (torch ${torch.torch}, ${torch.threads} threads)`);
      }
      best = Math.max(torch.sparse.tokensPerSecond, torch.dense.tokensPerSecond);
    }
    const ratios = [
      best !== null ? `fast/PyTorch (faster decoder) ${(fast.tokensPerSecond / best).toFixed(2)}×` : 'fast/PyTorch n/a',
      twin ? `fast/twin ${(fast.tokensPerSecond / twin.tokensPerSecond).toFixed(1)}×` : 'fast/twin n/a',
    ];
    log(`  ${ratios.join('   ')}`);
    for (const family of values.families === 'none' ? [] : values.families.split(',')) {
      const r = benchFamily(family, c.dIn, c.dSae, twinB);
      log(`  ${family.padEnd(8)}${f0(r.tokensPerSecond)} tok/s   B ${twinB}, 1 step ${r.ms.toFixed(0)} ms (CPU step, plain-loop twins; no WGSL path compared here)`);
    }
  }
  console.log(`\nbench:sae-cpu — one TopK SAE training step (AuxK as src/sae/train/cpu-step.ts defines it), tokens/s per path; ort wasm threads ${ort.env.wasm.numThreads}`);
  for (const l of lines) console.log(l);
  process.exit(0); // ort's wasm worker threads keep Node alive
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
