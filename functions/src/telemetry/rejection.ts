export type RejectionReason =
  | 'malformed_json'
  | 'wrong_type'
  | 'out_of_range'
  | 'too_large'
  | 'no_measurements'
  | 'missing_device_id';

/** A reading that was not applied, kept with its reason so an operator can see why. */
export interface Rejection {
  readonly deviceId: string;
  readonly reason: RejectionReason;
  readonly message: string;
  readonly partitionId: string;
  readonly sequenceNumber: number;
  /** Hub enqueued time of the message, ISO 8601. */
  readonly receivedAt: string;
  /** The start of the offending payload, for inspection. */
  readonly sample: string;
}

/** Stands in for the device id when the hub did not name one (the message is still kept). */
export const unknownDeviceId = '(unknown)';
