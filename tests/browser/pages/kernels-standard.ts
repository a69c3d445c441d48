// Runs inside the page: the standard SAE trainer's kernels (src/gpu/kernels/*) on a case's seeded inputs
// (./kernels-standard-data.ts), and whole WebGPU training steps (src/sae/train/standard-gpu-step.ts), returning
// every output as base64. The CPU twins run in ../kernels-standard.test.ts.
import type { Kernel } from '../../../src/gpu/kernel';
import { colStats, colStatsKernel } from '../../../src/gpu/kernels/col_stats';
import { decNormGrad, decNormGradKernel } from '../../../src/gpu/kernels/dec_norm_grad';
import { denseBiasGrad, denseBiasGradKernel } from '../../../src/gpu/kernels/dense_bias_grad';
import { matmulBias, matmulBiasKernel } from '../../../src/gpu/kernels/matmul_bias';
import { reluGrad, reluGradKernel } from '../../../src/gpu/kernels/relu_grad';
import { rowNorms, rowNormsKernel } from '../../../src/gpu/kernels/row_norms';
import { STANDARD_STATS_LEN, standardFinalize, standardFinalizeKernel } from '../../../src/gpu/kernels/standard_finalize';
import type { StandardStepStats } from '../../../src/sae/train/standard-step';
import { createStandardGpuTrainer } from '../../../src/sae/train/standard-gpu-step';
import type { EncodedTensor } from './kernels-data';
import { type StandardKernelCase, type StandardTrainCase, standardCaseConfig, standardCaseSetup, standardInputs } from './kernels-standard-data';
import { type PlannedRead, type TrainCaseResult, device, runPlannedCase, withErrorScopes } from './kernels-train';
import { trainAndDump } from './sae-train';

const F = 4;

export async function runStandardKernelCase(c: StandardKernelCase): Promise<TrainCaseResult> {
  return runPlannedCase(c.name, standardInputs(c), (d, up, buf) => {
    const reads: PlannedRead[] = [];
    let kernels: Kernel[] = [];
    let encode: (enc: GPUCommandEncoder) => void;
    switch (c.kernel) {
      case 'matmul_bias': {
        const p = { M: c.M, K: c.K, N: c.N, transA: c.transA, transB: c.transB, subtractRow: c.subtractRow };
        const out = buf(c.M * c.N * F, 'out');
        kernels = [matmulBiasKernel({ ...p, hasBias: c.bias })];
        encode = (enc) =>
          matmulBias(d, p, { a: up.a, b: up.b, bias: c.bias ? up.bias : undefined, sub: c.subtractRow ? up.sub : undefined, out }, enc);
        reads.push(['out', out, c.M * c.N, 'f32']);
        break;
      }
      case 'col_stats': {
        const p = { M: c.M, N: c.N, relu: c.relu, maxGridDim: c.maxGridDim };
        const count = buf(c.N * F, 'count');
        const sum = buf(c.N * F, 'sum');
        kernels = [colStatsKernel(p)];
        encode = (enc) => colStats(d, p, { x: up.x, count: c.relu ? count : undefined, sum }, enc);
        reads.push(['x', up.x, c.M * c.N, 'f32'], ['sum', sum, c.N, 'f32']);
        if (c.relu) reads.push(['count', count, c.N, 'u32']);
        break;
      }
      case 'row_norms': {
        const p = { rows: c.rows, cols: c.cols, maxGridDim: c.maxGridDim };
        const norms = buf(c.rows * F, 'norms');
        kernels = [rowNormsKernel(p)];
        encode = (enc) => rowNorms(d, p, { w: up.w, norms }, enc);
        reads.push(['norms', norms, c.rows, 'f32']);
        break;
      }
      case 'standard_finalize': {
        const p = { M: c.M, d: c.d, dSae: c.dSae, deadTokens: c.deadTokens, l1Coefficient: c.l1Coefficient };
        const stats = buf(STANDARD_STATS_LEN * F, 'stats');
        kernels = [standardFinalizeKernel()];
        encode = (enc) =>
          standardFinalize(d, p, { partial: up.partial, count: up.count, sum: up.sum, norms: up.norms, sinceFired: up.sinceFired, stats }, enc);
        reads.push(['stats', stats, STANDARD_STATS_LEN, 'f32'], ['sinceFired', up.sinceFired, c.dSae, 'u32']);
        break;
      }
      case 'relu_grad': {
        const p = { M: c.M, N: c.N, scale: c.scale, maxGridDim: c.maxGridDim };
        kernels = [reluGradKernel(p)];
        encode = (enc) => reluGrad(d, p, { acts: up.acts, norms: up.norms, grad: up.grad }, enc);
        reads.push(['grad', up.grad, c.M * c.N, 'f32']);
        break;
      }
      case 'dec_norm_grad': {
        const p = { dSae: c.dSae, d: c.d, scale: c.scale, maxGridDim: c.maxGridDim };
        kernels = [decNormGradKernel(p)];
        encode = (enc) => decNormGrad(d, p, { wDec: up.wDec, sum: up.sum, norms: up.norms, grad: up.grad }, enc);
        reads.push(['grad', up.grad, c.dSae * c.d, 'f32']);
        break;
      }
      case 'dense_bias_grad': {
        const p = { d: c.d, dSae: c.dSae, maxGridDim: c.maxGridDim };
        const dbDec = buf(c.d * F, 'dbDec');
        kernels = [denseBiasGradKernel(p)];
        encode = (enc) => denseBiasGrad(d, p, { gSum: up.gSum, wEnc: up.wEnc, dbEnc: up.dbEnc, dbDec }, enc);
        reads.push(['dbDec', dbDec, c.d, 'f32']);
        break;
      }
    }
    return { kernels, encode, reads };
  });
}

export interface StandardTrainResult {
  tensors: Record<string, EncodedTensor>;
  stats: StandardStepStats[];
  step: number;
  ms: number;
}

export async function runStandardTrainCase(c: StandardTrainCase): Promise<StandardTrainResult> {
  const d = await device();
  return withErrorScopes(d, c.name, async () => {
    const { state, batches } = standardCaseSetup(c);
    return trainAndDump(createStandardGpuTrainer(d, standardCaseConfig(c), state, c.B), batches, c.lr);
  });
}
