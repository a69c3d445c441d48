import { describeCut } from '../../core/context-window';
import { encodeAttentionQuery, DEFAULT_ATTENTION } from '../attention-url';
import { attentionHref } from '../route';
import { predict, setPrependBos, setPrompt, useLab } from '../store';
import { joinClass, joinTitle, spacedText } from '../token-label';

export function PromptPanel() {
  const s = useLab();
  return (
    <section className="panel" data-testid="prompt-panel">
      <h2>Prompt</h2>
      <textarea
        value={s.prompt}
        onChange={(e) => setPrompt(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && void predict()}
        rows={3}
        aria-label="prompt" data-testid="prompt-input"
      />
      {s.model && (
        <p className="muted" data-testid="prompt-limit">
          The model sees at most {s.model.cfg.nPositions} tokens (its context window); a longer prompt keeps {s.prependBos ? 'BOS and ' : ''}its last{' '}
          {s.model.cfg.nPositions - (s.prependBos ? 1 : 0)}.
        </p>
      )}
      <div className="row">
        <label>
          <input type="checkbox" checked={s.prependBos} onChange={(e) => setPrependBos(e.target.checked)} data-testid="prepend-bos" /> prepend BOS
        </label>
        <button onClick={() => void predict()} disabled={!s.model || s.predicting} data-testid="run-prompt">
          {s.predicting ? 'Running…' : 'Run (Ctrl+Enter)'}
        </button>
        <a href={attentionHref(encodeAttentionQuery({ ...DEFAULT_ATTENTION, prompt: s.prompt, prependBos: s.prependBos }))} data-testid="attention-link">
          Attention patterns of this prompt
        </a>
      </div>
      {s.predictError && (
        <div className="error" role="alert" data-testid="predict-error">
          {s.predictError}
        </div>
      )}
      {s.prediction && <PredictionView />}
    </section>
  );
}

function PredictionView() {
  const p = useLab((s) => s.prediction)!;
  const maxProb = p.top[0]?.prob ?? 1;
  return (
    <>
      <h3>
        Tokens <span className="muted">({p.cut ? `${p.ids.length} of ${(p.cut.tokens + p.ids.length - p.cut.kept).toLocaleString('en-US')}` : p.ids.length})</span>
      </h3>
      {p.cut && (
        <p className="notice" role="status" data-testid="prompt-cut">
          {describeCut(p.cut)}.
        </p>
      )}
      <div className="token-strip" data-testid="token-strip">
        {p.tokens.map((t, i) => (
          <span key={i} className={`token${joinClass(p.joins[i])}`} title={`position ${i} · id ${p.ids[i]}${joinTitle(p.joins[i])}`} data-testid="token" data-id={p.ids[i]}>
            {spacedText(t)}
          </span>
        ))}
      </div>
      <h3>Next token</h3>
      <table className="predictions" data-testid="top-predictions">
        <tbody>
          {p.top.map((t) => (
            <tr key={t.id} data-testid="prediction-row">
              <td className="tok">{spacedText(t.token)}</td>
              <td className="bar">
                <div style={{ width: `${(100 * t.prob) / maxProb}%` }} />
              </td>
              <td className="num" data-testid="prediction-prob">
                {(t.prob * 100).toFixed(2)}%
              </td>
              <td className="num muted">{t.logit.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
