// The next-token table every prediction view shows. Lives outside the worker's engine so the
// engine and the job modules it owns (attribution) can both import it without a cycle.

export interface TokenPrediction {
  id: number;
  token: string;
  prob: number;
  logit: number;
}

/** Softmax over logits [V], then the k most likely tokens, most likely first. */
export function topTokens(logits: Float32Array, k: number, text: (id: number) => string): TokenPrediction[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
  const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]).slice(0, k);
  return order.map((id) => ({ id, token: text(id), prob: Math.exp(logits[id] - max) / z, logit: logits[id] }));
}
