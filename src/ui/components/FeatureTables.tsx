// SAEDashboard's feature tables on a feature page: the units of the hook and the other features most correlated with
// this one over the stored rows (Pearson r), and the features nearest to it by decoder and by encoder cosine.
import { unitNoun } from '../../analysis/neurons';
import type { FeaturePageData, TableEntry } from '../../worker/protocol';
import { featureHref, neuronHref } from '../route';

function EntryTable({ title, head, value, rows, href, testId }: { title: string; head: string; value: string; rows: TableEntry[]; href: (i: number) => string; testId: string }) {
  return (
    <table className="logits" data-testid={testId}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th>{head}</th>
          <th className="num">{value}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.index} data-testid="table-entry" data-index={r.index} data-value={r.value}>
            <td>
              <a href={href(r.index)}>#{r.index}</a>
            </td>
            <td className="num">{r.value.toFixed(3)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FeatureTables({ saeId, p }: { saeId: string; p: FeaturePageData }) {
  if (!p.tables) {
    return (
      <p className="muted" data-testid="feature-tables-note">
        {p.tablesNote}
      </p>
    );
  }
  const t = p.tables;
  const noun = unitNoun(p.hook);
  const resid = noun.one === 'dimension';
  const feature = (i: number) => featureHref(saeId, i);
  return (
    <>
      <div className="charts" data-testid="feature-tables">
        <EntryTable
          title={`${noun.many} of ${p.hook} most correlated with it`}
          head={noun.one}
          value="Pearson r"
          rows={t.correlatedNeurons}
          href={(i) => neuronHref(p.runId, p.hook, i, saeId)}
          testId="feature-correlated-neurons"
        />
        <EntryTable title="features most correlated with it" head="feature" value="Pearson r" rows={t.correlatedFeatures} href={feature} testId="feature-correlated-features" />
        <EntryTable title="nearest features by decoder cosine" head="feature" value="cos W_dec" rows={t.nearestDecoder} href={feature} testId="feature-nearest-decoder" />
        <EntryTable title="nearest features by encoder cosine" head="feature" value="cos W_enc" rows={t.nearestEncoder} href={feature} testId="feature-nearest-encoder" />
      </div>
      <p className="muted" data-testid="feature-tables-caption">
        Pearson r over all {t.rows.toLocaleString('en-US')} stored tokens of the run
        {resid ? `; the "neurons" of ${p.hook} are its own dimensions, the residual stream's basis, which is not privileged` : ''}. Features
        are correlated among up to {t.candidates} candidates each (its nearest by decoder and encoder cosine, and those sharing its top
        examples), not all pairs. Cosines are exact over every feature of the SAE.
      </p>
    </>
  );
}
