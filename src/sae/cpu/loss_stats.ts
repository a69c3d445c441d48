// CPU twin of shaders/loss_stats.wgsl + shaders/loss_finalize.wgsl: the step's scalars, from x, x̂ and (AuxK) ê.
//   sumSqErr = Σ‖x − x̂‖²                 varX = Σ‖x − mean_batch(x)‖²
//   e = x − x̂ (a constant for AuxK)       varE = Σ‖e − mean_batch(e)‖²      auxSqErr = Σ‖e − ê‖²
//   mse = sumSqErr / M   fvu = sumSqErr / varX   auxLoss = auxSqErr / varE (0 without dead latents)
//   loss = mse + auxCoef · auxLoss        auxGradScale = 2 · auxCoef / varE (0 without dead latents)
// Per column: the means first, then the squared deviations (two passes, as the shader), in float64 here.
import { checkLength } from './matmul_bias';

/** Slots of the GPU stats buffer (f32[STATS_LEN]); LossStats names the same values. */
export const STAT = {
  loss: 0,
  mse: 1,
  fvu: 2,
  auxLoss: 3,
  numDead: 4,
  sumSqErr: 5,
  varX: 6,
  auxSqErr: 7,
  varE: 8,
  auxGradScale: 9,
} as const;
export const STATS_LEN = 12;

export type LossStats = { [K in keyof typeof STAT]: number };

export interface LossStatsInputs {
  x: Float32Array; // [M, d]
  xhat: Float32Array; // [M, d]
  /** AuxK reconstruction of the residual [M, d], or null without AuxK. */
  ehat: Float32Array | null;
  M: number;
  d: number;
  numDead: number;
  auxCoef: number;
}

export function lossStats(inp: LossStatsInputs): LossStats {
  const { x, xhat, ehat, M, d } = inp;
  checkLength('x', x, M * d);
  checkLength('xhat', xhat, M * d);
  if (ehat) checkLength('ehat', ehat, M * d);
  let sumSqErr = 0;
  let varX = 0;
  let auxSqErr = 0;
  let varE = 0;
  for (let c = 0; c < d; c++) {
    let sx = 0;
    let se = 0;
    for (let m = 0; m < M; m++) {
      sx += x[m * d + c];
      se += Math.fround(x[m * d + c] - xhat[m * d + c]);
    }
    const mx = sx / M;
    const me = se / M;
    for (let m = 0; m < M; m++) {
      const i = m * d + c;
      const e = Math.fround(x[i] - xhat[i]);
      sumSqErr += e * e;
      varX += (x[i] - mx) ** 2;
      if (ehat) {
        varE += (e - me) ** 2;
        auxSqErr += (e - ehat[i]) ** 2;
      }
    }
  }
  const aux = ehat !== null && inp.numDead > 0 && varE > 0;
  const auxLoss = aux ? auxSqErr / varE : 0;
  const mse = M > 0 ? sumSqErr / M : 0;
  return {
    loss: mse + inp.auxCoef * auxLoss,
    mse,
    fvu: sumSqErr / varX,
    auxLoss,
    numDead: inp.numDead,
    sumSqErr,
    varX,
    auxSqErr: aux ? auxSqErr : 0,
    varE: aux ? varE : 0,
    auxGradScale: aux ? (2 * inp.auxCoef) / varE : 0,
  };
}
