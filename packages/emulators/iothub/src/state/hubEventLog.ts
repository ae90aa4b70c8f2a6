import { EventEmitter } from 'node:events';

/** One message as it sits in a partition of the hub's built-in (Event Hubs-compatible) endpoint. */
export interface HubEvent {
  readonly body: Buffer;
  readonly sequenceNumber: number;
  readonly offset: string;
  readonly enqueuedTime: Date;
  /** Application properties, as the device sent them. */
  readonly properties: Readonly<Record<string, string>>;
  /** System properties the hub stamps, e.g. `iothub-connection-device-id`. */
  readonly systemProperties: Readonly<Record<string, unknown>>;
}

export interface HubEventLogOptions {
  readonly partitionCount: number;
  /** Events kept per partition; the oldest are dropped beyond this, like the hub's retention. */
  readonly retainedPerPartition?: number;
}

/**
 * The IoT Hub built-in endpoint as a partitioned, retained log: each message gets its partition's
 * next sequence number and offset and the hub's enqueued time. Consumers read by position; each
 * consumer group keeps its own checkpoints (see the function host).
 */
export class HubEventLog {
  readonly partitionCount: number;
  private readonly partitions: HubEvent[][];
  private readonly nextOffset: number[];
  private readonly nextSequence: number[];
  private readonly retained: number;
  private readonly appended = new EventEmitter();

  constructor(options: HubEventLogOptions) {
    this.partitionCount = options.partitionCount;
    this.partitions = Array.from({ length: options.partitionCount }, () => []);
    this.nextOffset = Array.from({ length: options.partitionCount }, () => 0);
    this.nextSequence = Array.from({ length: options.partitionCount }, () => 0);
    this.retained = options.retainedPerPartition ?? 100_000;
    this.appended.setMaxListeners(0);
  }

  /** The partition a device's messages go to: a stable hash of its id, as the hub does. */
  partitionFor(deviceId: string): number {
    let hash = 0;
    for (let i = 0; i < deviceId.length; i++)
      hash = (Math.imul(hash, 31) + deviceId.charCodeAt(i)) >>> 0;
    return hash % this.partitionCount;
  }

  append(
    partitionKey: string,
    body: Buffer,
    properties: Record<string, string>,
    systemProperties: Record<string, unknown>,
  ): HubEvent & { readonly partitionId: string } {
    const partition = this.partitionFor(partitionKey);
    const events = this.partitions[partition] as HubEvent[];
    const enqueuedTime = new Date();
    const event: HubEvent = {
      body,
      sequenceNumber: this.nextSequence[partition] as number,
      offset: String(this.nextOffset[partition]),
      enqueuedTime,
      properties,
      systemProperties: { ...systemProperties, 'iothub-enqueuedtime': enqueuedTime.toISOString() },
    };
    this.nextSequence[partition] = event.sequenceNumber + 1;
    this.nextOffset[partition] = (this.nextOffset[partition] as number) + body.length + 512;
    events.push(event);
    if (events.length > this.retained) events.splice(0, events.length - this.retained);
    this.appended.emit(String(partition));
    return { ...event, partitionId: String(partition) };
  }

  /** Up to `max` events of a partition with sequence numbers after `afterSequence`. */
  read(partitionId: number, afterSequence: number, max: number): HubEvent[] {
    const events = this.partitions[partitionId] ?? [];
    const first = events[0];
    if (!first) return [];
    const start = Math.max(0, afterSequence + 1 - first.sequenceNumber);
    return events.slice(start, start + max);
  }

  /** Resolves when the partition has an event after `afterSequence`, or after `timeoutMs`. */
  waitForEvents(
    partitionId: number,
    afterSequence: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    if (this.read(partitionId, afterSequence, 1).length > 0 || signal?.aborted)
      return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.appended.off(String(partitionId), done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.appended.on(String(partitionId), done);
      signal?.addEventListener('abort', done);
    });
  }
}
