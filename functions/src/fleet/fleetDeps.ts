import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import type { DeadLetterStore } from '../storage/deadLetterStore';
import type { DeviceStateStore } from '../telemetry/deviceStateStore';
import type { AlarmRuleStore } from './alarmRuleStore';
import type { AlarmStore } from './alarmStore';
import type { AlarmWebhookPayload } from './alarmWebhook';
import type { DeviceTagStore } from './deviceTagStore';

/** The stage's alarm webhook: changes queued by who makes them, POSTed by `alarmWebhook`. */
export interface AlarmWebhook {
  enqueue(payloads: readonly AlarmWebhookPayload[]): Promise<void>;
  deliver(payload: AlarmWebhookPayload): Promise<void>;
}

export interface FleetDeps {
  readonly rules: AlarmRuleStore;
  readonly alarms: AlarmStore;
  readonly tags: DeviceTagStore;
  readonly deviceStates: Pick<DeviceStateStore, 'list' | 'get' | 'finishedHours'>;
  readonly realtime: RealtimeDelivery;
  readonly historyRetentionDays: number;
  readonly webhook?: AlarmWebhook;
  readonly deadLetters: Pick<DeadLetterStore, 'save'>;
  /** Copies a device's tags into its twin, for job conditions; absent without the hub. */
  readonly mirrorTags?: (deviceId: string, tags: readonly string[]) => Promise<void>;
  readonly now?: () => number;
}
