// Where a dashboard page sits: Lab › SAEs › <SAE> › Feature 12. Built from the route, so every page has them.
import { Name } from './Name';
import { useFeatures } from '../features-store';
import { type Route, browserHref, stageHref } from '../route';

interface Crumb {
  label: string;
  /** A user-supplied name (an SAE's) shown before the label, bidi-isolated. */
  name?: string;
  href?: string;
}

function crumbs(route: Route, saeName: (id: string) => string): Crumb[] {
  const lab: Crumb = { label: 'Lab', href: '#/' };
  const sae = (id: string): Crumb[] => [lab, { label: 'SAEs', href: stageHref('saes') }, { name: saeName(id), label: '', href: browserHref(id) }];
  switch (route.page) {
    case 'lab':
      return [];
    case 'browser':
      return [...sae(route.saeId).slice(0, 2), { name: saeName(route.saeId), label: ': features' }];
    case 'feature':
      return [...sae(route.saeId), { label: `Feature ${route.feature}` }];
    case 'inspect':
      return [...sae(route.saeId), { label: 'Inspect text' }];
    case 'steer':
      return [...sae(route.saeId), { label: 'Steering' }];
    case 'attribute':
      return [...sae(route.saeId), { label: 'Attribution' }];
    case 'neurons':
      return [lab, { label: 'Runs', href: stageHref('runs') }, { label: `Neurons of ${route.hook}` }];
    case 'neuron':
      return [lab, { label: 'Runs', href: stageHref('runs') }, { label: route.hook }, { label: `Neuron ${route.neuron}` }];
    case 'choose':
      return [lab, { label: { features: 'Features', steer: 'Steering', attribution: 'Attribution' }[route.view] }];
    case 'workspace':
      return [lab, { label: 'Workspace' }];
    case 'toy':
      return [lab, { label: 'Toy model of superposition' }];
    case 'attention':
      return [lab, { label: 'Attention' }];
  }
}

export function Breadcrumbs({ route }: { route: Route }) {
  const saes = useFeatures((s) => s.saes);
  const items = crumbs(route, (id) => saes.find((s) => s.id === id)?.name ?? id);
  if (items.length === 0) return null;
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb" data-testid="breadcrumbs">
      <ol>
        {items.map((c, i) => (
          <li key={i}>
            {c.href && i < items.length - 1 ? (
              <a href={c.href}>
                <CrumbText c={c} />
              </a>
            ) : (
              <span aria-current={i === items.length - 1 ? 'page' : undefined}>
                <CrumbText c={c} />
              </span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function CrumbText({ c }: { c: Crumb }) {
  return (
    <>
      {c.name !== undefined && <Name text={c.name} />}
      {c.label}
    </>
  );
}
