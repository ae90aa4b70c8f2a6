import { settingNames } from '../settings/settingNames';
import type { EventHubFunctionDefinition } from './functionDefinition';

/**
 * The trigger part of a function that reads the IoT Hub built-in endpoint in batches. The Event Hubs
 * trigger checkpoints a batch even when the handler throws, so a failing dependency would skip it;
 * this retry policy re-runs the batch instead, indefinitely with backoff, and the partition pauses
 * until the dependency is back. Handlers must therefore make a re-run exact (replay protection).
 */
export function iotHubBatchTrigger(
  consumerGroup: string,
): Pick<
  EventHubFunctionDefinition,
  'kind' | 'connection' | 'eventHubName' | 'consumerGroup' | 'cardinality' | 'retry'
> {
  return {
    kind: 'eventHub',
    connection: settingNames.iotHubEventHub,
    eventHubName: `%${settingNames.iotHubEventHubName}%`,
    consumerGroup,
    cardinality: 'many',
    retry: {
      strategy: 'exponentialBackoff',
      maxRetryCount: -1,
      minimumInterval: 2_000,
      maximumInterval: 120_000,
    },
  };
}
