// In-page reader of the stream trainings' checkpoints for tests, straight from IndexedDB.
import { openStore } from '../../../src/store/schema';

export async function streamRecords(): Promise<{ id: string; hook: string; step: number; done: boolean; window: number; windowOffset: number; streamId: string }[]> {
  const db = await openStore();
  const all = await db.getAll('saeTrainings');
  db.close();
  return all.filter((r) => r.stream).map((r) => ({ id: r.id, hook: r.hook, step: r.step, done: r.done, window: r.stream!.window, windowOffset: r.stream!.windowOffset, streamId: r.stream!.streamId }));
}
