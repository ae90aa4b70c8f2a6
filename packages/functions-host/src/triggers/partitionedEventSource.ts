import type { HubEvent } from './eventHubInvocation';

/**
 * Where Event Hubs triggers read from: a partitioned, retained log read by position, such as the
 * IoT Hub emulator's built-in endpoint. The host keeps each consumer group's checkpoints itself.
 */
export interface PartitionedEventSource {
  readonly partitionCount: number;
  /** Up to `max` events of a partition with sequence numbers after `afterSequence`. */
  read(partitionId: number, afterSequence: number, max: number): readonly HubEvent[];
  /** Resolves when the partition has an event after `afterSequence`, or after `timeoutMs`. */
  waitForEvents(
    partitionId: number,
    afterSequence: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
}
