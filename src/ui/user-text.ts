// Text a page shows that the user or a file supplied — names, and messages that quote them — made safe to read:
// control, bidi-control and invisible characters become visible marks (src/model/token-text.ts, the rules token views
// use). For places where no <bdi> can go (an <option>, a title, an aria-label, a message that quotes a name), this is
// what keeps a right-to-left override in a name from reordering what follows. Names in markup use <Name> (a <bdi>).
import { visibleText } from '../model/token-text';

/** `s` with its control and bidi characters as visible marks (a newline stays a newline). */
export const shownText = (s: string): string => visibleText(s);
