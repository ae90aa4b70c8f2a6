import { createHmac } from 'node:crypto';

/** Where simulated devices provision themselves: DPS, an enrollment group, the model they announce. */
export interface SimulatedProvisioning {
  /** What a device passes to `ProvisioningDeviceClient.create` (local.json's `provisioning.host`). */
  readonly host: string;
  readonly idScope: string;
  /** The enrollment group's key, from which each device's key is derived. */
  readonly groupKey: string;
  /** The IoT Plug and Play model each device announces. */
  readonly modelId: string;
}

/** A device's key: HMAC-SHA256 of its registration id under the group key, as DPS derives it. */
export function derivedDeviceKey(groupKey: string, registrationId: string): string {
  return createHmac('sha256', Buffer.from(groupKey, 'base64'))
    .update(registrationId)
    .digest('base64');
}

/**
 * Registers one device with DPS over MQTT through Microsoft's provisioning SDK, with its derived
 * key and its model id in the payload (as IoT Central's devices send it), and answers with the
 * hub it was assigned and its key there. The SDK has no `ca` option: against the local cloud the
 * process must trust the local CA through NODE_EXTRA_CA_CERTS (the simulator sees to it).
 */
export async function provisionDevice(
  provisioning: SimulatedProvisioning,
  registrationId: string,
): Promise<{ readonly hostName: string; readonly deviceId: string; readonly key: string }> {
  const load = async <T>(name: string): Promise<T> => {
    const module = await import(name);
    return (module.default ?? module) as T;
  };
  const { ProvisioningDeviceClient } = await load<typeof import('azure-iot-provisioning-device')>(
    'azure-iot-provisioning-device',
  );
  const { Mqtt } = await load<typeof import('azure-iot-provisioning-device-mqtt')>(
    'azure-iot-provisioning-device-mqtt',
  );
  const { SymmetricKeySecurityClient } = await load<
    typeof import('azure-iot-security-symmetric-key')
  >('azure-iot-security-symmetric-key');
  const key = derivedDeviceKey(provisioning.groupKey, registrationId);
  const client = ProvisioningDeviceClient.create(
    provisioning.host,
    provisioning.idScope,
    new Mqtt(),
    // The two packages declare the same interface twice, at different versions.
    new SymmetricKeySecurityClient(registrationId, key) as unknown as Parameters<
      typeof ProvisioningDeviceClient.create
    >[3],
  );
  client.setProvisioningPayload({ modelId: provisioning.modelId });
  const result = (await client.register()) as { assignedHub: string; deviceId: string };
  return { hostName: result.assignedHub, deviceId: result.deviceId, key };
}
