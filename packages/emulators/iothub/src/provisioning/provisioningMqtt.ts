import { type ParsedSasToken, parseSasToken } from '../protocol/sharedAccessSignature';
import { attest } from './deviceRegistration';
import type { ProvisioningAnswer, ProvisioningService } from './provisioningService';
import { retryAfterSeconds } from './provisioningService';

// DPS over MQTT, as "Communicate with DPS using the MQTT protocol" documents it
// (https://learn.microsoft.com/azure/iot-dps/iot-dps-mqtt-support): the client id is the
// registration id, the user name `{idScope}/registrations/{registrationId}/api-version=…`, the
// password a SAS token; requests go to `$dps/registrations/PUT/iotdps-register/?$rid={rid}` and
// `$dps/registrations/GET/iotdps-get-operationstatus/?$rid={rid}&operationId={id}`, answers come
// on `$dps/registrations/res/{status}/?$rid={rid}&retry-after={s}`.

export const provisioningSubscription = '$dps/registrations/res/#';
const userNamePattern = /^([^/]+)\/registrations\/([^/]+)\/api-version=/;
const registerTopic = /^\$dps\/registrations\/PUT\/iotdps-register\/\?(.*)$/;
const statusTopic = /^\$dps\/registrations\/GET\/iotdps-get-operationstatus\/\?(.*)$/;

/** Who a DPS connection is: kept per connection from CONNECT on. */
export interface ProvisioningSession {
  readonly registrationId: string;
  readonly token: ParsedSasToken;
}

/** Whether a CONNECT's user name is DPS's rather than the hub's (`{host}/{deviceId}/?api-version`). */
export function isProvisioningUserName(userName: string): boolean {
  return userNamePattern.test(userName);
}

export function createProvisioningMqtt(
  service: ProvisioningService,
  attestation: Parameters<typeof attest>[0],
  now: () => number,
) {
  return {
    /** A session for an attested device, or why the CONNECT is refused. */
    connect(
      clientId: string,
      userName: string,
      password: string | undefined,
    ): ProvisioningSession | string {
      const [, scope, registrationId] = userNamePattern.exec(userName) ?? [];
      if (scope !== service.idScope) return `the ID scope ${scope ?? ''} is not ${service.idScope}`;
      if (registrationId !== clientId)
        return `the user name's registration id must be the client id, ${clientId}`;
      const token = parseSasToken(password);
      if (!token) return 'the password must be a SharedAccessSignature token';
      const proof = attest(attestation, registrationId, token, now());
      return 'message' in proof ? proof.message : { registrationId, token };
    },

    /**
     * Answers one request topic through `reply`; false if the topic is not a DPS request (the
     * connection is then closed, as DPS closes it).
     */
    publish(
      session: ProvisioningSession,
      topic: string,
      payload: Buffer,
      reply: (topic: string, body: unknown) => void,
    ): boolean {
      const register = registerTopic.exec(topic);
      const status = statusTopic.exec(topic);
      const query = new URLSearchParams(register?.[1] ?? status?.[1] ?? '');
      const rid = query.get('$rid');
      if ((!register && !status) || !rid) return false;
      const answer = (result: ProvisioningAnswer) =>
        reply(
          `$dps/registrations/res/${result.status}/?$rid=${encodeURIComponent(rid)}&retry-after=${retryAfterSeconds}`,
          result.body,
        );
      if (status) {
        answer(
          service.status(session.registrationId, query.get('operationId') ?? '', session.token),
        );
        return true;
      }
      let body: unknown;
      try {
        body = payload.length === 0 ? undefined : JSON.parse(payload.toString('utf8'));
      } catch {
        answer({ status: 400, body: { errorCode: 400004, message: 'the request must be JSON' } });
        return true;
      }
      service
        .register(session.registrationId, session.token, body)
        .then(answer, (error: Error) =>
          answer({ status: 500, body: { errorCode: 500000, message: error.message } }),
        );
      return true;
    },
  };
}
