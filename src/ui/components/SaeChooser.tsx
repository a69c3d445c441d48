// A view that needs an SAE, opened from the stage navigation without one: the SAEs to open it with, or what to do
// to get one.
import { shownText } from '../user-text';
import { Name } from './Name';
import { useFeatures } from '../features-store';
import { type SaeView, attributeHref, browserHref, stageHref, steerHref } from '../route';
import { DEFAULT_SETUP, encodeSetup } from '../steer-preset';
import type { SaeInfo } from '../../worker/protocol';
import { SaeLink, useMisfit } from './SaeFit';

const WHAT: Record<SaeView, { title: string; href: (id: string) => string; why: string }> = {
  features: { title: 'Features', href: browserHref, why: 'Every feature of an SAE, with its top activations, logits and density.' },
  steer: { title: 'Steering', href: (id) => steerHref(id, encodeSetup(DEFAULT_SETUP)), why: 'Generate with features added, clamped or ablated.' },
  attribution: { title: 'Attribution', href: (id) => attributeHref(id), why: "Which features and neurons drive a prediction." },
};

export function SaeChooser({ view }: { view: SaeView }) {
  const saes = useFeatures((s) => s.saes);
  const w = WHAT[view];
  return (
    <section className="panel wide" data-testid="sae-chooser">
      <h2>{w.title}</h2>
      <p className="muted">{w.why} Pick an SAE:</p>
      {saes.length === 0 ? (
        <p data-testid="empty-state">
          No SAE in this browser yet. <a href={stageHref('train')}>Train one</a> on a run, load a published one in the{' '}
          <a href={stageHref('saes')}>SAEs panel</a>, or take the guided first run on the <a href="#/">lab page</a>.
        </p>
      ) : (
        <ul>
          {saes.map((s) => (
            <Choice key={s.id} s={s} href={w.href(s.id)} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** One SAE to open the view with; disabled with the reason when it does not fit the loaded model. */
function Choice({ s, href }: { s: SaeInfo; href: string }) {
  const misfit = useMisfit(s);
  return (
    <li>
      <SaeLink href={href} reason={misfit ? shownText(`SAE ${s.name} ${misfit.message}`) : null} testId="sae-choice">
        <Name text={s.name} />
      </SaeLink>{' '}
      <span className="muted">
        {s.hook} · d_sae {s.dSae.toLocaleString('en-US')}
        {s.stats ? '' : ' · no statistics yet'}
      </span>
      {misfit && (
        <div className="warn" data-testid="sae-choice-problem">
          {shownText(misfit.message)}
        </div>
      )}
    </li>
  );
}
