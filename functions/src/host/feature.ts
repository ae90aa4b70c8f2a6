import type { FunctionDefinition } from './functionDefinition';

/** A check of one dependency for `/api/health`; it throws when the dependency does not answer. */
export type Probe = () => Promise<void>;

/**
 * What a feature contributes to the app: its functions, and the dependencies `/api/health` checks
 * for it (undefined for one this stage does not configure). Each feature's `feature.ts` exports
 * `readSettings(env, problems)` and `create(settings, shared)`, which returns these.
 */
export interface FeatureParts {
  readonly functions: readonly FunctionDefinition[];
  readonly probes?: Readonly<Record<string, Probe | undefined>>;
}

/** An optional feature's settings: absent when the stage leaves it out, with problems when wrong. */
export interface OptionalSettings<T> {
  readonly config: T | undefined;
  readonly problems?: readonly string[];
}
