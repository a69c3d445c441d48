// Planted-dictionary data (Toy Models of Superposition style) shared by the SAE trainer tests: a known dictionary of
// unit rows in d dimensions, rows made of sparse positive combinations of it plus noise, and how well a decoder
// recovers it.
import { gaussian, mulberry32 } from '../../src/sae/train/rng';

/** `features` random unit rows [features, d], drawn from `normal` (consumed in row order). */
export function plantedDictionary(normal: () => number, features: number, d: number): Float64Array {
  const dict = new Float64Array(features * d);
  for (let f = 0; f < features; f++) {
    let nn = 0;
    for (let c = 0; c < d; c++) nn += (dict[f * d + c] = normal()) ** 2;
    for (let c = 0; c < d; c++) dict[f * d + c] /= Math.sqrt(nn);
  }
  return dict;
}

/**
 * A seeded dictionary and a stream of batches [batch, d]: each row is `active` distinct features with magnitudes
 * uniform in [0.5, 1.5), plus N(0, 0.01²) noise.
 */
export function plantedData(seed: number, o: { features: number; d: number; active: number; batch: number }) {
  const rand = mulberry32(seed);
  const normal = gaussian(rand);
  const { features, d } = o;
  const dict = plantedDictionary(normal, features, d);
  const batch = (): Float32Array => {
    const x = new Float32Array(o.batch * d);
    for (let b = 0; b < o.batch; b++) {
      const chosen = new Set<number>();
      while (chosen.size < o.active) chosen.add(Math.floor(rand() * features));
      for (const f of chosen) {
        const a = 0.5 + rand();
        for (let c = 0; c < d; c++) x[b * d + c] += a * dict[f * d + c];
      }
      for (let c = 0; c < d; c++) x[b * d + c] += 0.01 * normal();
    }
    return x;
  };
  return { dict, batch };
}

/** For each planted feature, the best cosine with any decoder row of wDec [dSae, d] (rows need not be unit norm). */
export function bestCosines(dict: Float64Array, d: number, wDec: Float32Array, dSae: number): number[] {
  return Array.from({ length: dict.length / d }, (_, f) => {
    let best = -1;
    for (let l = 0; l < dSae; l++) {
      let dot = 0;
      let nn = 0;
      for (let c = 0; c < d; c++) {
        dot += dict[f * d + c] * wDec[l * d + c];
        nn += wDec[l * d + c] ** 2;
      }
      if (nn > 0) best = Math.max(best, dot / Math.sqrt(nn));
    }
    return best;
  });
}
