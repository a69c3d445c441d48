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

/** Turns anything thrown into a one-line message for the UI. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}
