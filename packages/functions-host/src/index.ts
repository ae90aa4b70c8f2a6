export * from './functionHost';
export { type FunctionKeys, generateKeys, loadOrCreateKeys } from './http/functionKeys';
export { createInvocationContext } from './invocation/functionInvocation';
export {
  type HubEvent,
  type PartitionContext,
  toEventHubInvocation,
} from './triggers/eventHubInvocation';
export type { PartitionedEventSource } from './triggers/partitionedEventSource';
export { decodeEventBody, queueTriggerMetadata } from './triggers/triggerListeners';
