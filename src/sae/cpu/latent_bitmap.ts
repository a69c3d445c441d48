// CPU twin of shaders/latent_bitmap.wgsl: the inverted index of a top-k selection as a bitmap [dSae, words],
// words = ⌈M / 32⌉: bit (m mod 32) of word (l, ⌊m / 32⌋) is set ⇔ row m has latent l with a positive value.
import { checkLength } from './matmul_bias';

export function latentBitmap(idx: Uint32Array, vals: Float32Array, M: number, k: number, dSae: number): Uint32Array {
  checkLength('idx', idx, M * k);
  checkLength('vals', vals, M * k);
  const words = Math.ceil(M / 32);
  const bits = new Uint32Array(dSae * words);
  for (let m = 0; m < M; m++) {
    for (let j = 0; j < k; j++) {
      if (!(vals[m * k + j] > 0)) continue;
      const l = idx[m * k + j];
      if (l >= dSae) throw new RangeError(`latentBitmap: idx[${m}, ${j}] = ${l} ≥ d_sae = ${dSae}`);
      bits[l * words + (m >> 5)] |= 1 << (m & 31);
    }
  }
  return bits;
}
