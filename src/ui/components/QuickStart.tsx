// "Try it": the guided first run on the lab's first screen. Before it starts it says what it will do on this
// machine (time and storage); while it runs every step shows its state, what it is doing, and can be cancelled.
import { shownText } from '../user-text';
import { useEffect } from 'react';
import { STEPS, cancelQuickStart, refreshPlan, resumeQuickStart, startQuickStart, useQuickStart } from '../quick-start-store';
import { useLab } from '../store';
import { bytesText } from './Workspace';

const minutes = (s: number) => (s < 90 ? `${Math.max(10, Math.round(s / 10) * 10)} seconds` : `${Math.round(s / 60)} minutes`);

export function QuickStart() {
  const model = useLab((s) => s.model);
  const loading = useLab((s) => s.loading);
  const { states, detail, plan, running, resumed, error } = useQuickStart();
  useEffect(() => {
    refreshPlan();
  }, [model]);
  // Once per page: a guided run a reload interrupted goes on by itself.
  useEffect(() => {
    if (model && !loading) void resumeQuickStart();
  }, [model !== null && !loading]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <section className="panel wide quick-start" aria-labelledby="quick-start-title" data-testid="quick-start-panel">
      <h2 id="quick-start-title">Try it: from text to a steerable feature</h2>
      <p>
        One click takes the bundled sample corpus (Moby-Dick) through every stage of the lab: activations, a sparse autoencoder, its feature statistics,
        and a feature’s page. Everything stays in this browser.
      </p>
      {plan && (
        <p className="muted" data-testid="quick-start-plan">
          On this machine ({plan.device === 'gpu' ? 'WebGPU' : 'the CPU path'}): about {minutes(plan.seconds)} and {bytesText(plan.storageBytes)} of storage · {plan.hook} ·
          TopK SAE with {plan.dSae.toLocaleString('en-US')} features, k {plan.k}, {plan.steps} steps.
        </p>
      )}
      <div className="row">
        <button onClick={() => void startQuickStart()} disabled={running || !model || loading} data-testid="quick-start">
          {running ? 'Running…' : 'Try it'}
        </button>
        {running && (
          <button className="secondary" onClick={() => void cancelQuickStart()} data-testid="quick-start-cancel">
            Cancel
          </button>
        )}
        {!model && <span className="muted">waiting for the model…</span>}
        {resumed && running && <span className="muted">resumed after a reload</span>}
      </div>
      <ol className="quick-steps">
        {STEPS.map((s) => (
          <li key={s.id} data-testid="quick-start-step" data-step={s.id} data-state={states[s.id]} className={`quick-step ${states[s.id]}`}>
            <strong>{s.label}</strong> <span className="step-state">{states[s.id]}</span>
            <div className="muted">{s.explain}</div>
            {states[s.id] === 'running' && detail && (
              <div role="status" data-testid="quick-start-detail">
                {detail}
              </div>
            )}
          </li>
        ))}
      </ol>
      {error && (
        <p className="error" role="alert" data-testid="quick-start-error">
          {shownText(error)}
        </p>
      )}
      <p className="muted">Bring your own corpus instead: the same steps, one by one, are the panels below.</p>
    </section>
  );
}
