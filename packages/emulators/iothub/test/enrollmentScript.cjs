// A back end written only against azure-iot-provisioning-service: it creates an enrollment group
// and an individual enrollment, reads them back, deletes the enrollment, and reads the registration
// a device made. Run with DPS_CONNECTION_STRING, NODE_EXTRA_CA_CERTS naming the local CA, a group id
// and a registration id.
const { ProvisioningServiceClient } = require('azure-iot-provisioning-service');

async function main() {
  const [groupId, registrationId] = process.argv.slice(2);
  const client = ProvisioningServiceClient.fromConnectionString(process.env.DPS_CONNECTION_STRING);
  const { responseBody: group } = await client.createOrUpdateEnrollmentGroup({
    enrollmentGroupId: groupId,
    attestation: { type: 'symmetricKey', symmetricKey: {} },
    provisioningStatus: 'enabled',
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
    initialTwin: {
      tags: { site: 'north' },
      properties: { desired: { sampleIntervalSeconds: 60 } },
    },
  });
  const { responseBody: read } = await client.getEnrollmentGroup(groupId);
  const { responseBody: individual } = await client.createOrUpdateIndividualEnrollment({
    registrationId,
    deviceId: `${registrationId}-device`,
    attestation: { type: 'symmetricKey', symmetricKey: {} },
  });
  await client.deleteIndividualEnrollment(registrationId);
  let afterDelete = 'found';
  try {
    await client.getIndividualEnrollment(registrationId);
  } catch (error) {
    afterDelete = error.message;
  }
  console.log(JSON.stringify({ group, read, individual, afterDelete }));
}

main().catch((error) => {
  console.log(JSON.stringify({ error: { name: error.name, message: error.message } }));
  process.exit(1);
});
