// A device written only against Microsoft's provisioning SDK: it registers through DPS with a
// symmetric key, over MQTT or HTTP, then (given HUB_GATEWAY) connects to the hub it was assigned
// to with the same key and sends one message. Run with NODE_EXTRA_CA_CERTS naming the local CA,
// and DPS_TRANSPORT (mqtt|http), DPS_HOST, DPS_ID_SCOPE, DPS_REGISTRATION_ID, DPS_KEY and,
// optionally, DPS_PAYLOAD (JSON).
const { ProvisioningDeviceClient } = require('azure-iot-provisioning-device');
const { SymmetricKeySecurityClient } = require('azure-iot-security-symmetric-key');

async function main() {
  const env = process.env;
  const Transport =
    env.DPS_TRANSPORT === 'http'
      ? require('azure-iot-provisioning-device-http').Http
      : require('azure-iot-provisioning-device-mqtt').Mqtt;
  const security = new SymmetricKeySecurityClient(env.DPS_REGISTRATION_ID, env.DPS_KEY);
  const client = ProvisioningDeviceClient.create(
    env.DPS_HOST,
    env.DPS_ID_SCOPE,
    new Transport(),
    security,
  );
  if (env.DPS_PAYLOAD) client.setProvisioningPayload(JSON.parse(env.DPS_PAYLOAD));
  const registration = await client.register();
  let sent = false;
  if (env.HUB_GATEWAY) {
    const { Client, Message } = require('azure-iot-device');
    const { Mqtt } = require('azure-iot-device-mqtt');
    const device = Client.fromConnectionString(
      `HostName=${registration.assignedHub};DeviceId=${registration.deviceId};SharedAccessKey=${env.DPS_KEY};GatewayHostName=${env.HUB_GATEWAY}`,
      Mqtt,
    );
    await device.open();
    await device.sendEvent(new Message(JSON.stringify({ provisioned: true })));
    await device.close();
    sent = true;
  }
  console.log(JSON.stringify({ registration, sent }));
}

main().catch((error) => {
  console.log(JSON.stringify({ error: { name: error.name, message: error.message } }));
  process.exit(1);
});
