// What the catalog API answers with, as the rooms page shows it.
export type { Track } from './track';
