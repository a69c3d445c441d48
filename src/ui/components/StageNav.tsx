// The stages of the lab's loop, always in view: model → corpus & runs → training → SAEs → features → steering →
// attribution, plus the toy model, the attention view and the workspace. The current one is marked for screen readers.
import { type Route, stageHref, toyHref, attentionHref, workspaceHref } from '../route';

const STAGES: { label: string; href: string; is: (r: Route) => boolean; testId?: string }[] = [
  { label: 'Model', href: stageHref('model'), is: (r) => r.page === 'lab' && (r.stage ?? 'model') === 'model' },
  { label: 'Corpus & runs', href: stageHref('runs'), is: (r) => (r.page === 'lab' && r.stage === 'runs') || r.page === 'neurons' || r.page === 'neuron' },
  { label: 'Training', href: stageHref('train'), is: (r) => r.page === 'lab' && r.stage === 'train' },
  { label: 'SAEs', href: stageHref('saes'), is: (r) => r.page === 'lab' && r.stage === 'saes' },
  { label: 'Features', href: stageHref('features'), is: (r) => (r.page === 'choose' && r.view === 'features') || r.page === 'browser' || r.page === 'feature' || r.page === 'inspect' },
  { label: 'Steering', href: stageHref('steer'), is: (r) => (r.page === 'choose' && r.view === 'steer') || r.page === 'steer' },
  { label: 'Attribution', href: stageHref('attribution'), is: (r) => (r.page === 'choose' && r.view === 'attribution') || r.page === 'attribute' },
  { label: 'Attention', href: attentionHref(), is: (r) => r.page === 'attention' },
  { label: 'Toy model', href: toyHref, is: (r) => r.page === 'toy', testId: 'toy-link' },
  { label: 'Workspace', href: workspaceHref, is: (r) => r.page === 'workspace' },
];

export function StageNav({ route }: { route: Route }) {
  return (
    <nav className="stage-nav" aria-label="Lab stages" data-testid="stage-nav">
      <ol>
        {STAGES.map((s) => (
          <li key={s.label}>
            <a href={s.href} aria-current={s.is(route) ? 'page' : undefined} data-testid={s.testId ?? 'stage-link'} data-stage={s.label}>
              {s.label}
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}
