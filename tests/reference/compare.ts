// Tensor comparison helpers for checking an implementation against the
// reference. Tolerance is relative to the reference's largest magnitude, which
// is robust for activations whose individual entries may be near zero.

export interface Mismatch {
  index: number;
  got: number;
  ref: number;
}

export interface Comparison {
  name: string;
  maxAbsDiff: number;
  maxAbsRef: number;
  /** maxAbsDiff / maxAbsRef (0 when both are 0, Infinity when only the ref is 0). */
  rel: number;
  /** First few indices whose |got - ref| exceeds relTol * maxAbsRef, or that are NaN. */
  firstMismatches: Mismatch[];
  nanCount: number;
  gotLength: number;
  refLength: number;
}

const MAX_LISTED = 5;

export function compareTensors(
  name: string,
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  relTol = 1e-4,
): Comparison {
  const n = Math.min(got.length, ref.length);
  let maxAbsDiff = 0;
  let maxAbsRef = 0;
  let nanCount = 0;
  for (let i = 0; i < n; i++) {
    const g = got[i];
    const r = ref[i];
    if (Number.isNaN(g) || Number.isNaN(r)) {
      nanCount++;
      continue;
    }
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(g - r));
    maxAbsRef = Math.max(maxAbsRef, Math.abs(r));
  }
  const rel = maxAbsRef > 0 ? maxAbsDiff / maxAbsRef : maxAbsDiff > 0 ? Infinity : 0;

  // Second pass, now that the scale is known, to list offending entries.
  const limit = relTol * maxAbsRef;
  const firstMismatches: Mismatch[] = [];
  for (let i = 0; i < n && firstMismatches.length < MAX_LISTED; i++) {
    const g = got[i];
    const r = ref[i];
    if (Number.isNaN(g) || Number.isNaN(r) || Math.abs(g - r) > limit) firstMismatches.push({ index: i, got: g, ref: r });
  }
  return { name, maxAbsDiff, maxAbsRef, rel, firstMismatches, nanCount, gotLength: got.length, refLength: ref.length };
}

/**
 * Print a one-line summary and throw if the lengths differ, any value is NaN,
 * or the relative max difference exceeds relTol.
 */
export function assertClose(name: string, got: ArrayLike<number>, ref: ArrayLike<number>, relTol = 1e-4): Comparison {
  const c = compareTensors(name, got, ref, relTol);
  console.log(`${name}: maxdiff=${c.maxAbsDiff.toExponential(3)} rel=${c.rel.toExponential(3)}`);
  const problems: string[] = [];
  if (c.gotLength !== c.refLength) problems.push(`length ${c.gotLength} != reference length ${c.refLength}`);
  if (c.nanCount > 0) problems.push(`${c.nanCount} NaN value(s)`);
  if (!(c.rel <= relTol)) problems.push(`rel ${c.rel.toExponential(3)} > tolerance ${relTol}`);
  if (problems.length > 0) {
    const listed = c.firstMismatches.map((m) => `[${m.index}] got ${m.got} ref ${m.ref}`).join('; ');
    throw new Error(`${name}: ${problems.join(', ')}` + (listed ? `; first mismatches: ${listed}` : ''));
  }
  return c;
}

/** Exact equality (indices, counts, and floats that must match bit for bit); prints the number of mismatches and the first few. */
export function assertExact(name: string, got: ArrayLike<number>, ref: ArrayLike<number>): void {
  const bad: string[] = [];
  let count = 0;
  let maxdiff = 0;
  for (let i = 0; i < Math.max(got.length, ref.length); i++) {
    if (got[i] !== ref[i]) {
      count++;
      maxdiff = Math.max(maxdiff, Math.abs(got[i] - ref[i]));
      if (bad.length < 5) bad.push(`[${i}] got ${got[i]} ref ${ref[i]}`);
    }
  }
  console.log(`${name}: exact, ${count} mismatches, maxdiff=${maxdiff.toExponential(3)}`);
  if (got.length !== ref.length || count > 0) {
    throw new Error(`${name}: length ${got.length} vs ${ref.length}, ${count} mismatches; first: ${bad.join('; ')}`);
  }
}
