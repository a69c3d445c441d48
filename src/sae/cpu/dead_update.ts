// CPU twin of shaders/dead_update.wgsl: tokens since each latent last fired. A latent fires in a batch when some
// row has it among its top k with a positive activation; then its counter resets to 0, otherwise it grows by
// the batch's M rows (saturating at 2³² − 1).
import { checkLength } from './matmul_bias';

export const SINCE_FIRED_MAX = 0xffffffff;

export function deadUpdate(sinceFired: Uint32Array, idx: Uint32Array, vals: Float32Array, M: number, k: number): void {
  const dSae = sinceFired.length;
  checkLength('idx', idx, M * k);
  checkLength('vals', vals, M * k);
  const fired = new Uint8Array(dSae);
  for (let i = 0; i < M * k; i++) if (vals[i] > 0) fired[idx[i]] = 1;
  for (let l = 0; l < dSae; l++) sinceFired[l] = fired[l] ? 0 : Math.min(SINCE_FIRED_MAX, sinceFired[l] + M);
}
