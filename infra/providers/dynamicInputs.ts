import type * as pulumi from '@pulumi/pulumi';

/** A dynamic provider's inputs as its resource takes them: each one may be an Output. */
export type DynamicInputs<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };
