/** IoT Hub's device id rules: up to 128 ASCII letters, digits and `-.%_#*?!(),:=@$'+`. */
const deviceIdPattern = /^[A-Za-z0-9\-.%_#*?!(),:=@$'+]{1,128}$/;

/** What to tell a caller whose device id breaks the rules. */
export const deviceIdRule =
  "a device id is 1-128 letters, digits or -.%_#*?!(),:=@$'+ (IoT Hub's rules)";

export function isValidDeviceId(deviceId: string): boolean {
  return deviceIdPattern.test(deviceId);
}
