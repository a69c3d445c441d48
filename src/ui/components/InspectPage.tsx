// Type or paste text; each token shows the SAE's most active features on it; a click opens a feature's page.
import { useState } from 'react';
import { describeCut } from '../../core/context-window';
import { useLab } from '../store';
import { inspectText, useFeatures } from '../features-store';
import { browserHref, featureHref, useViewError } from '../route';
import { cellText, joinClass, joinTitle } from '../token-label';

export function InspectPage({ saeId }: { saeId: string }) {
  const { inspect } = useFeatures();
  const error = useViewError(useFeatures((s) => s.error));
  const [text, setText] = useState('');
  const nPositions = useLab((s) => s.model?.cfg.nPositions);
  const r = inspect?.saeId === saeId ? inspect : null;
  return (
    <section className="panel wide" data-testid="inspect-page">
      <div className="row">
        <a href={browserHref(saeId)}>← all features</a>
      </div>
      <h2>Inspect text</h2>
      <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} placeholder="Call me Ishmael." aria-label="text to inspect" data-testid="inspect-text" />
      {nPositions && (
        <p className="muted" data-testid="inspect-limit">
          At most {nPositions} tokens: BOS and the text's last {nPositions - 1}.
        </p>
      )}
      <div className="row">
        <button onClick={() => void inspectText(saeId, text)} disabled={!text.trim()} data-testid="inspect-run">
          Show features
        </button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {r?.cut && (
        <p className="notice" role="status" data-testid="inspect-cut">
          {describeCut(r.cut)}.
        </p>
      )}
      {r && (
        <div className="inspect">
          {r.tokens.map((t, i) => (
            <div key={i} className={`inspect-token${joinClass(t.join)}`} data-testid="inspect-token">
              <span className="tok" title={`id ${t.id}${joinTitle(t.join)}`}>
                {cellText(t.text)}
              </span>
              {t.features.map((f) => (
                <a key={f.feature} href={featureHref(saeId, f.feature)} data-testid="inspect-feature" data-feature={f.feature}>
                  #{f.feature} <span className="muted">{f.act.toFixed(2)}</span>
                </a>
              ))}
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
