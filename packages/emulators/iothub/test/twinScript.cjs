// A back end written only against azure-iothub: it reads a twin, sets a desired property with the
// twin's etag, and calls a direct method. Run with IOTHUB_CONNECTION_STRING, NODE_EXTRA_CA_CERTS
// naming the local CA, and a device id.
const { Client, Registry } = require('azure-iothub');

async function main() {
  const deviceId = process.argv[2];
  const connectionString = process.env.IOTHUB_CONNECTION_STRING;
  const registry = Registry.fromConnectionString(connectionString);
  const { responseBody: twin } = await registry.getTwin(deviceId);
  const { responseBody: updated } = await registry.updateTwin(
    deviceId,
    { properties: { desired: { sampleIntervalSeconds: 30 } } },
    twin.etag,
  );
  const client = Client.fromConnectionString(connectionString);
  const { result } = await client.invokeDeviceMethod(deviceId, {
    methodName: 'getDiagnostics',
    payload: { verbose: true },
    responseTimeoutInSeconds: 10,
  });
  console.log(JSON.stringify({ reported: twin.properties.reported, updated, method: result }));
}

main().catch((error) => {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
});
