// CPU twin of shaders/feature_acts.wgsl + shaders/feature_scatter.wgsl: dense activations from pre-activations.
export type ActsMode = 'standard' | 'jumprelu' | 'topk';

export function featureActs(pre: Float32Array, M: number, dSae: number, mode: ActsMode, threshold: Float32Array | null): Float32Array {
  const acts = new Float32Array(M * dSae);
  if (mode === 'topk') return acts; // filled by featureScatter
  for (let i = 0; i < M * dSae; i++) {
    const v = pre[i];
    acts[i] = mode === 'standard' || v > threshold![i % dSae] ? Math.max(v, 0) : 0;
  }
  return acts;
}

export function featureScatter(acts: Float32Array, idx: Uint32Array, vals: Float32Array, M: number, k: number, dSae: number): void {
  for (let i = 0; i < M * k; i++) acts[Math.floor(i / k) * dSae + idx[i]] = vals[i];
}
