// What the models API sends, as the dashboard reads it.
export type { ModelCapabilitiesView } from './capabilitiesView';
export type { StoredModel } from './modelStore';
