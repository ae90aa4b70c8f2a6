/**
 * Unit and partition limits of the services fieldline scales, as documented. The stage config
 * refuses a stage that breaks them before anything is declared; the policy rules check the same
 * numbers on what the program declares.
 */

/** IoT Hub units per tier: https://learn.microsoft.com/azure/iot-hub/iot-hub-scaling */
export function iotHubMaxUnits(sku: string): number {
  if (sku === 'F1') return 1;
  return sku === 'B3' || sku === 'S3' ? 10 : 200;
}

/** Device-to-cloud partitions: the free tier has 2, the others 2-128. */
export const iotHubPartitions = { free: 2, min: 2, max: 128 } as const;

/**
 * SignalR unit counts: Free has one; Standard and Premium take 1-10, then tens to 100.
 * https://learn.microsoft.com/azure/azure-signalr/signalr-howto-scale-signalr
 */
export function signalRUnitCounts(sku: string): readonly number[] {
  return sku.startsWith('Free')
    ? [1]
    : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
}

/**
 * The Device Provisioning Service's fixed limits: linked hubs per service, and symmetric-key
 * enrollment groups per service (not adjustable).
 * https://learn.microsoft.com/azure/iot-dps/about-iot-dps#quotas-and-limits
 */
export const dpsMaxLinkedHubs = 50;
export const dpsMaxSymmetricKeyGroups = 100;
