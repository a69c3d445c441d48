// An SAE that does not fit the loaded model (src/analysis/sae-fit.ts), as every place that links to or opens it
// shows it: the reason on its row, its links disabled with the reason, its pages replaced by the reason.
import { shownText } from '../user-text';
import { Name } from './Name';
import type { ReactNode } from 'react';
import { type SaeMisfit, saeMisfit } from '../../analysis/sae-fit';
import type { SaeInfo } from '../../worker/protocol';
import { useFeatures } from '../features-store';
import { useLab } from '../store';

/** Why `sae` cannot run with the loaded model; null when it can or no model is loaded (nothing to judge against). */
export function useMisfit(sae: SaeInfo | undefined): SaeMisfit | null {
  const model = useLab((s) => s.model);
  if (!sae || !model) return null;
  return saeMisfit(sae, { id: model.id, cfg: model.cfg, hasWeights: model.parameters !== null });
}

/** A link to one of an SAE's views, or, when the SAE does not fit, the same label disabled with the reason. */
export function SaeLink({ href, reason, testId, children }: { href: string; reason: string | null; testId: string; children: ReactNode }) {
  if (reason) {
    return (
      <a role="link" aria-disabled="true" className="disabled" title={reason} data-testid={testId}>
        {children}
      </a>
    );
  }
  return (
    <a href={href} data-testid={testId}>
      {children}
    </a>
  );
}

/** An SAE's page, or the reason it cannot open with the loaded model. */
export function SaeFitGate({ saeId, children }: { saeId: string; children: ReactNode }) {
  const sae = useFeatures((s) => s.saes.find((x) => x.id === saeId));
  const misfit = useMisfit(sae);
  if (!misfit) return <>{children}</>;
  return (
    <section className="panel wide" data-testid="sae-page-problem">
      <p className="error" role="alert" data-kind={misfit.kind}>
        SAE <Name text={sae!.name} /> {shownText(misfit.message)}.
      </p>
      <p>
        <a href="#/saes">← the SAEs panel</a>
      </p>
    </section>
  );
}
