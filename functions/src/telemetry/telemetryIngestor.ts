import type { AlarmTransition } from '../fleet/alarmConditions';
import type { ThresholdRuleResolver } from '../fleet/alarmRuleStore';
import { applyCalibration } from './calibration';
import type { CalibrationStore } from './calibrationStore';
import {
  type DeviceDelta,
  type DeviceMessage,
  type HistoryPoint,
  type PublicDeviceState,
  publicDeviceState,
} from './deviceState';
import type { DeviceStateStore } from './deviceStateStore';
import { type HubEvent, readHubEvent } from './hubEventState';
import type { Measurements } from './measurements';
import { findRangeProblem } from './readingValidator';
import { type Rejection, unknownDeviceId } from './rejection';
import type { RejectionStore } from './rejectionStore';
import { type ParseLimits, type ParseProblem, parseTelemetryBody } from './telemetryParser';

/** One hub message as the trigger delivers it, stripped of transport details. */
export interface TelemetryMessage {
  /** From the hub's `iothub-connection-device-id`, never from the body. */
  readonly deviceId: string | undefined;
  readonly body: unknown;
  readonly partitionId: string;
  readonly sequenceNumber: number;
  readonly enqueuedTime: string;
  /**
   * `iothub-message-source`: `Telemetry` (the default) for a device's reading, or one of the hub's
   * own events (`twinChangeEvents`, `deviceConnectionStateEvents`), read with its properties.
   */
  readonly source?: string;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** A device as broadcast after a batch: its current values and only the readings this batch added. */
export type DeviceStateUpdate = Omit<PublicDeviceState, 'history'> & {
  readonly history: readonly HistoryPoint[];
};

export interface IngestResult {
  readonly updates: DeviceStateUpdate[];
  readonly rejections: Rejection[];
  readonly accepted: number;
  /** The hub's own events read (connection state, reported properties), replays included. */
  readonly hubEvents: number;
  /** Alarms raised or cleared by this batch (none on redelivery). */
  readonly alarms: AlarmTransition[];
}

/** What the ingestor needs of storage: the stores implement it, and so does an in-memory fake. */
export interface TelemetryIngestorDeps {
  readonly deviceStates: Pick<DeviceStateStore, 'apply'>;
  readonly calibrations: Pick<CalibrationStore, 'getMany'>;
  readonly rejections: Pick<RejectionStore, 'save'>;
  readonly limits: ParseLimits;
  /** The threshold rules that apply to each device; none are evaluated when absent. */
  readonly alarmRules?: ThresholdRuleResolver;
}

/**
 * Parses, calibrates and validates a batch, keeps every rejection, then applies the accepted
 * readings to device state exactly once. Throws only when storage fails, so the caller can retry
 * the batch; bad input never throws.
 */
export function createTelemetryIngestor(deps: TelemetryIngestorDeps) {
  return {
    async ingest(all: readonly TelemetryMessage[]): Promise<IngestResult> {
      const messages = all.filter((message) => (message.source ?? 'Telemetry') === 'Telemetry');
      const events = readHubEvents(all);
      const parsed = messages.map((message) => ({
        message,
        ...parseTelemetryBody(message.body, deps.limits),
      }));
      const knownIds = parsed.flatMap(({ message }) =>
        message.deviceId ? [message.deviceId] : [],
      );
      const [calibrations, rulesByDevice] = await Promise.all([
        deps.calibrations.getMany(knownIds),
        deps.alarmRules?.(knownIds),
      ]);

      const rejections: Rejection[] = [];
      // By hub partition and device: a batch comes from one partition, but a caller may mix them.
      const deltas = new Map<string, DeviceDelta & { messages: DeviceMessage[] }>();
      let accepted = 0;
      for (const { message, readings, problems, text } of parsed) {
        const { deviceId } = message;
        const reject = (problem: ParseProblem) => {
          rejections.push(rejectionOf(message, text, deviceId ?? unknownDeviceId, problem));
        };
        if (!deviceId) {
          reject({
            reason: 'missing_device_id',
            message: 'the hub did not name the sending device',
          });
          continue;
        }
        const valid: Measurements[] = [];
        let rejectedCount = problems.length;
        for (const problem of problems) reject(problem);
        for (const reading of readings) {
          const calibrated = applyCalibration(reading, calibrations.get(deviceId));
          const problem = findRangeProblem(calibrated);
          if (problem) {
            reject(problem);
            rejectedCount++;
          } else valid.push(calibrated);
        }
        accepted += valid.length;
        const key = deltaKey(message.partitionId, deviceId);
        const rules = rulesByDevice?.get(deviceId);
        const delta = deltas.get(key) ?? {
          deviceId,
          partitionId: message.partitionId,
          messages: [],
          ...(rules && rules.length > 0 ? { alarmRules: rules } : {}),
        };
        delta.messages.push({
          sequenceNumber: message.sequenceNumber,
          enqueuedTime: message.enqueuedTime,
          accepted: valid,
          rejectedCount,
        });
        deltas.set(key, delta);
      }

      for (const { message, deviceId, event } of events) {
        const key = deltaKey(message.partitionId, deviceId);
        const delta = deltas.get(key) ?? {
          deviceId,
          partitionId: message.partitionId,
          messages: [],
        };
        delta.messages.push({
          sequenceNumber: message.sequenceNumber,
          enqueuedTime: message.enqueuedTime,
          accepted: [],
          rejectedCount: 0,
          hubEvent: event,
        });
        deltas.set(key, delta);
      }
      // A delta's messages in hub order, whichever kind each is.
      for (const delta of deltas.values())
        delta.messages.sort((a, b) => a.sequenceNumber - b.sequenceNumber);

      // Rejections first: their keys are idempotent, so a retried batch cannot duplicate them,
      // and a device's count never claims a rejection that was not kept.
      await deps.rejections.save(rejections);
      const applied = await deps.deviceStates.apply([...deltas.values()]);

      const updates = applied.map(({ state, partitionId }) => ({
        ...publicDeviceState(state),
        history: pointsFrom(
          state.history,
          deltas.get(deltaKey(partitionId, state.deviceId))?.messages ?? [],
        ),
      }));
      const alarms = applied.flatMap((result) => (result.changed ? result.transitions : []));
      return { updates, rejections, accepted, hubEvents: events.length, alarms };
    },
  };
}

export type TelemetryIngestor = ReturnType<typeof createTelemetryIngestor>;

/** The hub's events that say something of a device; the rest are passed over, never rejected. */
function readHubEvents(messages: readonly TelemetryMessage[]) {
  return messages.flatMap((message) => {
    const source = message.source ?? 'Telemetry';
    if (source === 'Telemetry' || !message.deviceId) return [];
    const event: HubEvent | undefined = readHubEvent({
      source,
      body: message.body,
      properties: message.properties ?? {},
      enqueuedTime: message.enqueuedTime,
    });
    return event ? [{ message, deviceId: message.deviceId, event }] : [];
  });
}

function deltaKey(partitionId: string, deviceId: string): string {
  return `${partitionId}/${deviceId}`;
}

function rejectionOf(
  message: TelemetryMessage,
  text: string,
  deviceId: string,
  problem: ParseProblem,
): Rejection {
  return {
    deviceId,
    reason: problem.reason,
    message: problem.message,
    partitionId: message.partitionId,
    sequenceNumber: message.sequenceNumber,
    receivedAt: message.enqueuedTime,
    sample: text,
  };
}

/**
 * The history points that came from these messages. On redelivery nothing is re-applied, but the
 * same points are found and sent again, so a dashboard that missed the first broadcast catches up.
 * Sequence numbers repeat across partitions; with the enqueued time they name one message.
 */
function pointsFrom(
  history: readonly HistoryPoint[],
  messages: readonly DeviceMessage[],
): HistoryPoint[] {
  const enqueuedBySequence = new Map(messages.map((m) => [m.sequenceNumber, m.enqueuedTime]));
  return history.filter((point) => enqueuedBySequence.get(point.seq) === point.t);
}
