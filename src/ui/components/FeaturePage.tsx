// One feature's page (SAEDashboard's layout, ./UnitDashboard.tsx), the units of its hook (MLP neurons or residual
// dimensions) its decoder row is made of, and links to steer with it.
import { Name } from './Name';
import { useEffect } from 'react';
import { READOUT, unitNoun } from '../../analysis/neurons';
import { loadPage, useFeatures } from '../features-store';
import { browserHref, featureHref, neuronHref, steerHref, useViewError } from '../route';
import { DEFAULT_SETUP, encodeSetup } from '../steer-preset';
import { useSteer } from '../steer-store';
import { FeatureTables } from './FeatureTables';
import { HeadWrites } from './HeadWrites';
import { LoadingTable, UnitDashboard } from './UnitDashboard';

export function FeaturePage({ saeId, feature }: { saeId: string; feature: number }) {
  const { page, pageLoading } = useFeatures();
  const error = useViewError(useFeatures((s) => s.error));
  const last = useSteer((s) => s.last);
  useEffect(() => {
    void loadPage(saeId, feature);
  }, [saeId, feature]);
  const p = page && page.saeId === saeId && page.feature === feature ? page : null;
  return (
    <section className="panel wide" data-testid="feature-page">
      <div className="row">
        <a href={browserHref(saeId)}>← all features</a>
        {feature > 0 && <a href={featureHref(saeId, feature - 1)}>‹ {feature - 1}</a>}
        {p && feature + 1 < p.dSae && <a href={featureHref(saeId, feature + 1)}>{feature + 1} ›</a>}
        <a href={steerHref(saeId, encodeSetup({ ...DEFAULT_SETUP, features: [{ feature, mode: 'add', multiple: 4 }] }))} data-testid="steer-link">
          Steer with this feature
        </a>
        {last?.saeId === saeId && last.setup.features.length > 0 && !last.setup.features.some((e) => e.feature === feature) && (
          <a href={steerHref(saeId, encodeSetup({ ...last.setup, features: [...last.setup.features, { feature, mode: 'add', multiple: 4 }] }))} data-testid="steer-add-link">
            Add to the steering of {last.setup.features.map((e) => `#${e.feature}`).join(', ')}
          </a>
        )}
      </div>
      <h2>
        Feature {feature} {p && <span className="muted">of <Name text={p.saeName} /> · {p.hook}</span>}
      </h2>
      {p?.neuronpediaUrl && (
        <p>
          <a href={p.neuronpediaUrl} target="_blank" rel="noopener noreferrer" data-testid="neuronpedia-link">
            This feature on Neuronpedia
          </a>
        </p>
      )}
      {!p && pageLoading && <p className="muted">Loading…</p>}
      {error && !p && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {p && (
        <UnitDashboard
          kind="feature"
          p={p}
          logitsCaption={p.hook.endsWith('mlp.hook_post') ? `its decoder row through W_out of ${p.hook.replace('.hook_post', '')}, then ${READOUT}` : `its decoder row ${READOUT}`}
          aside={
            <LoadingTable
              title={`${unitNoun(p.hook).many} it is made of: the units of ${p.hook} its decoder row loads most on (largest |W_dec[${feature}, i]|)`}
              unit={unitNoun(p.hook).one}
              rows={p.neurons}
              href={(i) => neuronHref(p.runId, p.hook, i, saeId)}
              testId="feature-neurons"
            />
          }
        />
      )}
      {p && <FeatureTables saeId={saeId} p={p} />}
      {p && <HeadWrites saeId={saeId} feature={feature} p={p} />}
    </section>
  );
}
