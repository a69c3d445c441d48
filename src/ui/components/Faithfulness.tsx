// An SAE's faithfulness in one line: CE loss recovered (1: as good as the model, 0: as bad as zero-ablating the
// hook), KL to the clean model, FVU and L0, and which windows they were measured on.
import { Name } from './Name';
import type { FaithfulnessSummary } from '../../worker/protocol';

export function Faithfulness({ e }: { e: FaithfulnessSummary }) {
  return (
    <div className="muted" data-testid="faithfulness" data-ce-recovered={e.ceLossRecovered}>
      CE loss recovered <strong>{e.ceLossRecovered.toFixed(3)}</strong> (clean {e.ceClean.toFixed(3)}, with SAE {e.ceSae.toFixed(3)}, zero-ablated {e.ceZero.toFixed(3)}) · KL{' '}
      {e.klCleanSae.toFixed(4)} · FVU {e.fvu.toFixed(3)} · L0 {e.l0.toFixed(1)} — {e.windows} windows ({e.predictions} predictions) of <Name text={e.runName} />
      {e.trainingRun ? ' (its training data, not held out)' : ''}
    </div>
  );
}
