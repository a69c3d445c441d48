// One feature's page (SAEDashboard's layout): frequency and activation figures, the activation histogram, the top
// examples as shaded token strips, samples from each activation interval, and the ± logit tables.
import { useEffect } from 'react';
import { loadPage, useFeatures } from '../features-store';
import { browserHref, featureHref, steerHref } from '../route';
import { DEFAULT_SETUP, encodeSetup } from '../steer-preset';
import { useSteer } from '../steer-store';
import { Histogram } from './Histogram';
import { TokenStrip } from './TokenStrip';

const pct = (x: number) => (x >= 0.001 ? `${(100 * x).toFixed(2)}%` : `${(100 * x).toExponential(1)}%`);

function LogitTable({ title, rows, testId }: { title: string; rows: { token: string; value: number }[]; testId: string }) {
  return (
    <table className="logits" data-testid={testId}>
      <caption>{title}</caption>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td className="tok">{r.token}</td>
            <td className="num">{r.value.toFixed(3)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FeaturePage({ saeId, feature }: { saeId: string; feature: number }) {
  const { page, pageLoading, error } = useFeatures();
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
        Feature {feature} {p && <span className="muted">of {p.saeName} · {p.hook}</span>}
      </h2>
      {!p && pageLoading && <p className="muted">Loading…</p>}
      {error && !p && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {p && (
        <>
          <p data-testid="feature-summary">
            {p.count === 0 ? (
              <strong className="dead">dead: never fired in {p.rows.toLocaleString('en-US')} tokens</strong>
            ) : (
              <>
                fires on {p.count.toLocaleString('en-US')} of {p.rows.toLocaleString('en-US')} tokens ({pct(p.count / p.rows)}, log10 density {Math.log10(p.count / p.rows).toFixed(2)}) · max activation{' '}
                <span data-testid="feature-max">{p.maxAct.toFixed(4)}</span> · mean when firing {p.meanAct.toFixed(4)}
              </>
            )}
          </p>
          <div className="charts">
            <Histogram counts={p.hist} max={p.maxAct} title="activations (rows where it fires)" testId="chart-activations" />
            {p.logits ? (
              <>
                <LogitTable title="promotes" rows={p.logits.positive} testId="logits-positive" />
                <LogitTable title="suppresses" rows={p.logits.negative} testId="logits-negative" />
              </>
            ) : (
              <p className="muted">{p.logitsNote}</p>
            )}
          </div>
          <h3>Top activations</h3>
          <div className="strips">
            {p.top.map((ex) => (
              <TokenStrip key={ex.row} ex={ex} scale={p.maxAct} testId="top-example" />
            ))}
          </div>
          {p.bands.map((b, i) => (
            <details key={i} data-testid="band">
              <summary>
                interval [{b.lo.toFixed(3)}, {b.hi.toFixed(3)}{i === 0 ? ']' : ')'}{b.count !== null ? ` · ${b.count.toLocaleString('en-US')} tokens` : ''} · {b.examples.length} samples
              </summary>
              <div className="strips">
                {b.examples.map((ex) => (
                  <TokenStrip key={ex.row} ex={ex} scale={p.maxAct} testId="band-example" />
                ))}
              </div>
            </details>
          ))}
        </>
      )}
    </section>
  );
}
