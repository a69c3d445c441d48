// An SAE record's tensors as Float32Arrays, read straight from the stored record (each tensor is a Blob of
// float32; older records hold Float32Arrays).
import type { SaeWeights } from '../../../src/sae/sae';

export async function storedWeights(record: { weights: Record<string, Float32Array | Blob> }): Promise<SaeWeights> {
  const out: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(record.weights)) out[name] = t instanceof Blob ? new Float32Array(await t.arrayBuffer()) : t;
  return out as unknown as SaeWeights;
}
