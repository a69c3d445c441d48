// Named errors whose messages tell a researcher what went wrong and what to do about it.
// Every error the lab raises on bad input is one of these, so the UI can show it and keep working.

export class LabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A safetensors file whose header or body is malformed or cut short. */
export class SafetensorsError extends LabError {}

/** A config.json that is not a GPT-2-family config we can run. */
export class ModelConfigError extends LabError {}

/** Weights that do not match the config (missing tensor, wrong shape). */
export class WeightsError extends LabError {}

/** A file could not be fetched: HTTP status, network failure, or missing from a local folder. */
export class ModelFetchError extends LabError {
  constructor(
    message: string,
    readonly url?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A hook name that is not one of the model's TransformerLens hook points. */
export class HookNameError extends LabError {}

/** TransformerLens weight-processing settings that are malformed, unsupported, or differ from what a run or SAE needs. */
export class ModelSettingsError extends LabError {}

/** A pre-built .onnx whose inputs and outputs do not follow the naming contract (see docs/onnx-contract.md). */
export class OnnxContractError extends LabError {}

/** Anything the ONNX runtime reports while creating or running a session. */
export class RuntimeError extends LabError {}

/** The browser refused a write to IndexedDB (or Cache Storage) for lack of space; the message names what did not fit. */
export class StoreQuotaError extends LabError {}

/**
 * The one quota message every write uses: what did not fit, what is kept, and what to do. `then` is the step that
 * picks up again once space is free ("resume the run", "run the statistics pass again").
 */
export function quotaMessage(what: string, kept: string, then: string): string {
  return (
    `${what} did not fit: the browser refused to store more data (storage quota exceeded). ${kept}. ` +
    `Free space (delete runs, trainings or SAEs you no longer need, or allow this site more storage), then ${then}.`
  );
}

/** A browser's out-of-space refusal, raw (DOMException QuotaExceededError) or as its name survived the worker boundary. */
export function isQuotaError(err: unknown): boolean {
  if (err instanceof StoreQuotaError) return false; // already says what did not fit
  const e = err as { name?: string; message?: string } | null;
  return e?.name === 'QuotaExceededError' || /quota\s*(?:has been\s*)?exceeded|exceeded\s+(?:the\s+)?(?:storage\s+)?quota/i.test(e?.message ?? '');
}

/** Runs a write; a quota refusal becomes a StoreQuotaError with the message `describe` builds. */
export async function withQuota<T>(write: () => Promise<T>, describe: () => string): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw isQuotaError(err) ? new StoreQuotaError(describe()) : err;
  }
}

/**
 * Turns anything thrown into a one-line message for the UI. A raw QuotaExceededError (which carries no message, so it
 * once read "QuotaExceededError: QuotaExceededError: ") gets the quota message; a message that already starts with
 * the error's name (one that crossed the worker twice) does not repeat it.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (!(err instanceof StoreQuotaError) && err.name === 'QuotaExceededError') return quotaMessage('The data being saved', 'What was saved before is kept', 'try again');
  const message = err.message.trim() || 'failed without saying why';
  if (!err.name || err.name === 'Error' || message.startsWith(`${err.name}: `)) return message;
  return `${err.name}: ${message}`;
}
