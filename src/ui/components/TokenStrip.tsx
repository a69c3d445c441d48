// One example as a strip of tokens, each shaded by the unit's activation on it (relative to `scale`, usually the
// unit's max activation); hovering shows the value. The example's own token sits in the middle column, so the
// strips of a list line up on it. Token text is untrusted corpus text: React renders it as text, never as HTML.
import type { Example } from '../../analysis/contexts';
import { cellText, joinClass, joinTitle } from '../token-label';

const shade = (act: number | null, scale: number) => {
  if (act === null || !(act > 0) || !(scale > 0)) return undefined;
  return `rgba(255, 115, 0, ${Math.min(1, act / scale).toFixed(3)})`;
};

function Tok({ t, scale, center }: { t: Example['tokens'][number]; scale: number; center?: boolean }) {
  return (
    <span
      className={`${center ? 'tok center' : 'tok'}${joinClass(t.join)}`}
      style={{ background: shade(t.act, scale) }}
      title={(t.act === null ? 'not stored (BOS)' : `${t.act.toFixed(4)}`) + joinTitle(t.join)}
      data-testid="strip-token"
      data-act={t.act ?? ''}
    >
      {cellText(t.text)}
    </span>
  );
}

export function TokenStrip({ ex, scale, testId }: { ex: Example; scale: number; testId?: string }) {
  const left = ex.tokens.slice(0, ex.center);
  const right = ex.tokens.slice(ex.center + 1);
  return (
    <div className="strip" data-testid={testId} data-row={ex.row} data-act={ex.act}>
      <span className="strip-act num">{ex.act.toFixed(3)}</span>
      <span className="strip-left">
        {left.map((t, i) => (
          <Tok key={i} t={t} scale={scale} />
        ))}
      </span>
      <Tok t={ex.tokens[ex.center]} scale={scale} center />
      <span className="strip-right">
        {right.map((t, i) => (
          <Tok key={i} t={t} scale={scale} />
        ))}
      </span>
    </div>
  );
}
