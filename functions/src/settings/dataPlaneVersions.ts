/**
 * The data-plane API versions the app speaks, in one place: the code sends these, and the policy
 * pack's retirement radar (policy/rules/lifecycle.ts) watches their end of support.
 */
export const dataPlaneVersions = {
  /** IoT Hub's registry and device REST APIs. https://learn.microsoft.com/rest/api/iothub/ */
  iotHub: '2021-04-12',
  /** DPS's service API (enrollments). https://learn.microsoft.com/rest/api/iot-dps/service/enrollment-group */
  provisioning: '2021-10-01',
  /** SignalR Service's data-plane REST API (`:generateToken`). https://learn.microsoft.com/azure/azure-signalr/swagger/signalr-data-plane-rest-v20241201 */
  signalR: '2024-12-01',
  /** Azure AI Search's REST API, which the pinned @azure/search-documents sends. */
  search: '2024-07-01',
  /** The `x-ms-version` @azure/data-tables sends to Table storage. */
  tableStorage: '2019-02-02',
} as const;
