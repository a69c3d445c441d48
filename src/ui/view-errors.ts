// Errors belong to the view that raised them: when the route moves to another view, every view-scoped store
// forgets its error (the stores also key each error by its view, so a late failure never shows elsewhere).
import { useAttention } from './attention-store';
import { useAttribution } from './attribution-store';
import { useFeatures } from './features-store';
import { useNeurons } from './neurons-store';
import { useSteer } from './steer-store';

const stores: { getState(): { error: unknown }; setState(p: { error: null }): void }[] = [useAttention, useAttribution, useFeatures, useNeurons, useSteer];

export function clearViewErrors(): void {
  for (const store of stores) if (store.getState().error) store.setState({ error: null });
}
