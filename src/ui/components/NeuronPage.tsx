// One raw unit's page (an MLP neuron, a residual dimension): the feature page's layout (./UnitDashboard.tsx) with
// the logit effects of the unit's output direction, and the SAE features whose decoder rows load most on it.
import { shownText } from '../user-text';
import { useEffect } from 'react';
import { unitNoun } from '../../analysis/neurons';
import { loadNeuronPage, useNeurons } from '../neurons-store';
import { featureHref, neuronHref, neuronsHref, useViewError } from '../route';
import { NEURON_SIGN_NOTE } from './NeuronBrowser';
import { LoadingTable, UnitDashboard } from './UnitDashboard';

export function NeuronPage({ runId, hook, neuron, saeId }: { runId: string; hook: string; neuron: number; saeId: string | null }) {
  const { page, pageLoading } = useNeurons();
  const error = useViewError(useNeurons((s) => s.error));
  useEffect(() => {
    void loadNeuronPage(runId, hook, neuron, saeId);
  }, [runId, hook, neuron, saeId]);
  const p = page && page.runId === runId && page.hook === hook && page.neuron === neuron ? page : null;
  const sae = p?.features?.saeId ?? saeId;
  return (
    <section className="panel wide" data-testid="neuron-page">
      <div className="row">
        <a href={neuronsHref(runId, hook, saeId)}>← all units of {hook}</a>
        {neuron > 0 && <a href={neuronHref(runId, hook, neuron - 1, saeId)}>‹ {neuron - 1}</a>}
        {p && neuron + 1 < p.dim && <a href={neuronHref(runId, hook, neuron + 1, saeId)}>{neuron + 1} ›</a>}
      </div>
      <h2>
        Neuron {neuron} <span className="muted">of {hook} · run {runId}</span>
      </h2>
      <p className="muted">{NEURON_SIGN_NOTE}.</p>
      {!p && pageLoading && <p className="muted">Loading…</p>}
      {error && !p && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {p && (
        <UnitDashboard
          kind="neuron"
          p={p}
          logitsCaption={p.logitsVia}
          aside={
            p.features ? (
              <LoadingTable
                title={`features of ${shownText(p.features.saeName)} that load most on this ${unitNoun(hook).one} (largest |W_dec[f, ${neuron}]|)`}
                unit="feature"
                rows={p.features.loadings}
                href={(f) => featureHref(sae!, f)}
                testId="neuron-features"
              />
            ) : (
              <p className="muted" data-testid="neuron-features-note">
                {p.featuresNote}
              </p>
            )
          }
        />
      )}
    </section>
  );
}
