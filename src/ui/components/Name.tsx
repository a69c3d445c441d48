// A name the user or a file supplied (run, corpus file, SAE, training, Hub repo id) as pages show it: bidi-isolated
// in a <bdi>, so a right-to-left name (or one with an override) cannot reorder the text around it, and its control
// and invisible characters shown as visible marks (src/model/token-text.ts visibleText, the rules token views use),
// so "\u202Eevil" reads as \u202Eevil, never as "live". Text only: React escapes it, nothing is parsed as HTML.
import { shownText } from '../user-text';

export function Name({ text, testId }: { text: string; testId?: string }) {
  return (
    <bdi className="user-name" data-user-name="" data-testid={testId}>
      {shownText(text)}
    </bdi>
  );
}
