// A feature statistics pass in flight, remembered across a reload. The worker saves a pass's statistics in one write
// at its end (src/worker/feature-jobs.ts), so a page closed or reloaded mid-pass leaves nothing of that pass stored:
// without this mark the page would only say "no feature stats yet" (or show the statistics from before as if nothing
// had happened). The mark lives in localStorage (read before anything async, as lab-prefs.ts does) with the pass's
// last progress; a Web Lock held for the pass tells an interrupted pass from one still running in another tab.
import type { FeatureStatsProgress } from '../worker/protocol';

const KEY = 'sse.statsPass';
const LOCK = 'sse-stats-pass';

export interface StatsPassMark {
  saeId: string;
  runId: string;
  device: 'gpu' | 'cpu';
  startedAt: number;
  /** The last progress the page saw (null: the pass had not reported yet). */
  progress: FeatureStatsProgress | null;
}

export function readMark(): StatsPassMark | null {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    return raw ? (JSON.parse(raw) as StatsPassMark) : null;
  } catch {
    return null;
  }
}

export function writeMark(mark: StatsPassMark | null): void {
  try {
    if (mark) globalThis.localStorage?.setItem(KEY, JSON.stringify(mark));
    else globalThis.localStorage?.removeItem(KEY);
  } catch {
    // No localStorage (or full): a reload then says only what the store holds.
  }
}

/** Runs the pass holding the lock (when free: a pass in another tab does not hold this one up), so another tab can tell it is still running. */
export function holdingPassLock<T>(pass: () => Promise<T>): Promise<T> {
  const locks = globalThis.navigator?.locks;
  return locks ? (locks.request(LOCK, { ifAvailable: true }, pass) as Promise<T>) : pass();
}

/** Whether a pass holds the lock now (in any tab of this origin). */
export async function passRunningElsewhere(): Promise<boolean> {
  const locks = globalThis.navigator?.locks;
  if (!locks) return false;
  const { held = [] } = await locks.query();
  return held.some((l) => l.name === LOCK);
}

/**
 * What became of a remembered pass, given the SAE's stored statistics (their createdAt): 'done' when statistics
 * saved after it started exist (the page went away between the save and forgetting the mark), 'running' when another
 * tab holds it, else 'interrupted' (nothing of it was saved).
 */
export async function fateOf(mark: StatsPassMark, statsCreatedAt: number | null): Promise<'done' | 'running' | 'interrupted'> {
  if (statsCreatedAt !== null && statsCreatedAt >= mark.startedAt) return 'done';
  return (await passRunningElsewhere()) ? 'running' : 'interrupted';
}
