// The stores' one way to run an engine call from a click: the store's error is cleared first and set to the
// call's failure afterwards, so a component shows it without its own try/catch. The error records the view it was
// raised on (src/ui/route.ts viewKey): a call that fails after the user moved on never shows on the next view.
import { describeError } from '../core/errors';
import { currentViewKey } from './route';

/** An error message and the view (viewKey) whose action raised it. */
export interface ViewError {
  view: string;
  message: string;
}

/** The error of a failure on the view shown now. */
export function viewError(err: unknown): ViewError {
  return { view: currentViewKey(), message: describeError(err) };
}

/** A runner for `set`'s store: f's value, or null with the store's `error` describing why it failed. */
export function errorGuard(set: (partial: { error: ViewError | null }) => void) {
  return async <T>(f: () => Promise<T>): Promise<T | null> => {
    const view = currentViewKey();
    try {
      set({ error: null });
      return await f();
    } catch (err) {
      set({ error: { view, message: describeError(err) } });
      return null;
    }
  };
}
