// A page that needs a model renders once the model it needs is loaded: an SAE's pages the model the SAE reads,
// a run's pages the run's model. After a reload (or from a shared URL) the page loads that model itself and
// says so, instead of failing with "no model is loaded yet".
import { type ReactNode, useEffect, useState } from 'react';
import { sameModel } from '../../core/model-names';
import { ensureModel, useLab } from '../store';

/** modelName: the model the page needs (null: any model). */
export function ModelGate({ modelName, children }: { modelName: string | null; children: ReactNode }) {
  const model = useLab((s) => s.model);
  const loading = useLab((s) => s.loading);
  const [problem, setProblem] = useState<string | null>(null);
  const ready = !!model && !loading && (modelName === null || sameModel(model.id, modelName));
  useEffect(() => {
    if (ready || loading) return;
    let live = true;
    void (modelName === null ? Promise.resolve(useLab.getState().model ? null : 'no model is loaded: load one in the model panel') : ensureModel(modelName)).then((p) => live && setProblem(p));
    return () => {
      live = false;
    };
  }, [ready, loading, modelName]);
  if (ready) return <>{children}</>;
  return (
    <section className="panel wide" data-testid="model-gate">
      {problem && !loading ? (
        <p className="error" role="alert" data-testid="model-gate-error">
          {problem}
        </p>
      ) : (
        <p role="status">Loading the model this page needs{modelName ? ` (${modelName})` : ''}…</p>
      )}
    </section>
  );
}
