// A thermostat written only against Microsoft's device SDKs: it provisions itself through DPS
// with its derived key, connects to the hub it was assigned, announces its model, and then
// sends its temperature, reports its target, follows desired changes and answers
// getMaxMinReport. Nothing in it knows fieldline; it runs unchanged against Azure.
//
//   DPS_HOST       the provisioning host (.fieldline/local.json provisioning.host, or
//                  global.azure-devices-provisioning.net)
//   DPS_ID_SCOPE   the ID scope
//   DEVICE_ID      the registration id
//   DEVICE_KEY     its key: HMAC-SHA256 of DEVICE_ID under the enrollment group key (base64)
//   MODEL_ID       the model it announces (default dtmi:com:example:Thermostat;1; any model with
//                  its temperature, targetTemperature and getMaxMinReport)
//   MESSAGES       stop after this many readings (default: run until Ctrl-C)
//   INTERVAL_MS    between readings (default 5000)
//
// Trust the local CA first: export NODE_EXTRA_CA_CERTS=<.fieldline/local.json iotHub.caPath>.
const { ProvisioningDeviceClient } = require('azure-iot-provisioning-device');
const { Mqtt: ProvisioningMqtt } = require('azure-iot-provisioning-device-mqtt');
const { SymmetricKeySecurityClient } = require('azure-iot-security-symmetric-key');
const { Client, Message } = require('azure-iot-device');
const { Mqtt } = require('azure-iot-device-mqtt');

const modelId = process.env.MODEL_ID || 'dtmi:com:example:Thermostat;1';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set; see the top of examples/thermostat.cjs`);
    process.exit(2);
  }
  return value;
}

// IoT Plug and Play's answer to a writable property: the value, a status and the desired version.
function acknowledged(value, version) {
  return { value, ac: 200, av: version ?? 0 };
}

async function provision(host, idScope, deviceId, key) {
  const security = new SymmetricKeySecurityClient(deviceId, key);
  const client = ProvisioningDeviceClient.create(host, idScope, new ProvisioningMqtt(), security);
  client.setProvisioningPayload({ modelId });
  const result = await client.register();
  // A host with a port is a local door that serves the hub too; Azure's global host has none.
  const gateway = host.includes(':') ? `;GatewayHostName=${host}` : '';
  return `HostName=${result.assignedHub};DeviceId=${result.deviceId};SharedAccessKey=${key}${gateway}`;
}

async function main() {
  const host = required('DPS_HOST');
  const deviceId = required('DEVICE_ID');
  const key = required('DEVICE_KEY');
  const connectionString = await provision(host, required('DPS_ID_SCOPE'), deviceId, key);
  const messages = Number(process.env.MESSAGES ?? Number.POSITIVE_INFINITY);
  const interval = Number(process.env.INTERVAL_MS ?? 5000);

  const client = Client.fromConnectionString(connectionString, Mqtt);
  await client.setOptions({ modelId });
  await client.open();
  const twin = await client.getTwin();
  let target = twin.properties.desired.targetTemperature ?? 21;
  let temperature = target;
  let highest = temperature;
  let lowest = temperature;
  await new Promise((resolve, reject) =>
    twin.properties.reported.update(
      {
        targetTemperature: acknowledged(target, twin.properties.desired.$version),
        maxTempSinceLastReboot: highest,
      },
      (e) => (e ? reject(e) : resolve()),
    ),
  );
  twin.on('properties.desired', (desired) => {
    if (typeof desired.targetTemperature !== 'number') return;
    target = desired.targetTemperature;
    twin.properties.reported.update(
      { targetTemperature: acknowledged(target, desired.$version) },
      () => undefined,
    );
  });
  client.onDeviceMethod('getMaxMinReport', (request, response) => {
    const report = { maxTemp: highest, minTemp: lowest, since: request.payload ?? null };
    response.send(200, report, () => undefined);
  });
  console.log(JSON.stringify({ provisioned: deviceId, modelId }));

  for (let sent = 0; sent < messages; sent++) {
    temperature += (target - temperature) / 4 + (Math.random() - 0.5) / 2;
    highest = Math.max(highest, temperature);
    lowest = Math.min(lowest, temperature);
    const reading = new Message(JSON.stringify({ temperature: Math.round(temperature * 10) / 10 }));
    reading.contentType = 'application/json';
    reading.contentEncoding = 'utf-8';
    await client.sendEvent(reading);
    if (sent + 1 < messages) await new Promise((resolve) => setTimeout(resolve, interval));
  }
  await client.close();
}

main().catch((error) => {
  console.error(`thermostat: ${error.message}`);
  process.exit(1);
});
