// The JumpReLU threshold θ from its trained parameter (./jumprelu-step.ts): on its own so the training loop's
// export (./trainer.ts) needs it without importing the step, which imports the loop's types.
import type { SaeParams } from './types';

/** θ [d_sae] from the trained parameter: exp(log_threshold) or relu(threshold). What SAELens saves as "threshold". */
export function jumpreluThresholds(p: SaeParams): Float32Array {
  if (p.log_threshold) return p.log_threshold.map(Math.exp);
  if (p.threshold) return p.threshold.map((t) => Math.max(0, t));
  throw new RangeError('JumpReLU SAE: the parameters hold neither log_threshold nor threshold');
}
