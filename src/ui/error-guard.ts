// The stores' one way to run an engine call from a click: the store's error is cleared first and set to the
// call's failure afterwards, so a component shows it without its own try/catch.
import { describeError } from '../core/errors';

/** A runner for `set`'s store: f's value, or null with the store's `error` describing why it failed. */
export function errorGuard(set: (partial: { error: string | null }) => void) {
  return async <T>(f: () => Promise<T>): Promise<T | null> => {
    try {
      set({ error: null });
      return await f();
    } catch (err) {
      set({ error: describeError(err) });
      return null;
    }
  };
}
