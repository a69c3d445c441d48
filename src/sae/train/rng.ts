// Seeded randomness for SAE initialisation and synthetic data (shared with the store's shuffles).
export { gaussian, mulberry32 } from '../../core/random';
