import type { WebSocket } from 'ws';

export interface ClientConnection {
  readonly id: string;
  readonly hub: string;
  readonly userId: string | undefined;
  /** The query the client connected with, for `X-ASRS-Client-Query`. */
  readonly query: string;
  socket?: WebSocket;
  /** Upstream calls for this connection, one at a time and in order, as a hub runs them. */
  upstream: Promise<void>;
}

/**
 * Negotiated and live client connections and group membership, indexed so that a send to a
 * user, a connection or a group does not scan every connection.
 */
export class Connections {
  /** Negotiated, waiting for their WebSocket, by connection token (or id for negotiate v0). */
  readonly pending = new Map<string, ClientConnection>();
  private readonly live = new Set<ClientConnection>();
  private readonly byId = new Map<string, ClientConnection>();
  private readonly byUser = new Map<string, Set<ClientConnection>>();
  /** `${hub}/${group}` -> members: `u:<user id>` and `c:<connection id>`. */
  private readonly groups = new Map<string, Set<string>>();

  goLive(connection: ClientConnection): void {
    this.live.add(connection);
    this.byId.set(connection.id, connection);
    if (connection.userId) {
      const mine = this.byUser.get(connection.userId) ?? new Set<ClientConnection>();
      this.byUser.set(connection.userId, mine.add(connection));
    }
  }

  goOffline(connection: ClientConnection): void {
    this.live.delete(connection);
    this.byId.delete(connection.id);
    if (connection.userId) this.byUser.get(connection.userId)?.delete(connection);
  }

  setMembership(
    hub: string,
    group: string,
    member: { kind: 'users' | 'connections'; id: string },
    joined: boolean,
  ): void {
    const key = `${hub}/${group}`;
    const members = this.groups.get(key) ?? new Set<string>();
    const entry = `${member.kind === 'users' ? 'u' : 'c'}:${member.id}`;
    if (joined) members.add(entry);
    else members.delete(entry);
    this.groups.set(key, members);
  }

  /** The live connections of `hub` a REST send to `scope`/`target` reaches. */
  *audience(
    hub: string,
    scope: string | undefined,
    target: string | undefined,
  ): Iterable<ClientConnection> {
    const found = new Set<ClientConnection>();
    const byConnection = (id: string) => {
      const connection = this.byId.get(id);
      if (connection) found.add(connection);
    };
    if (scope === 'users') for (const c of this.byUser.get(target ?? '') ?? []) found.add(c);
    else if (scope === 'connections') byConnection(target ?? '');
    else if (scope === 'groups') {
      for (const member of this.groups.get(`${hub}/${target}`) ?? []) {
        const id = member.slice(2);
        if (member.startsWith('u:')) for (const c of this.byUser.get(id) ?? []) found.add(c);
        else byConnection(id);
      }
    } else for (const c of this.live) found.add(c);
    for (const connection of found) if (connection.hub === hub) yield connection;
  }

  count(hub?: string): number {
    return [...this.live].filter((c) => hub === undefined || c.hub === hub).length;
  }

  /** Every live connection dropped at once, as a failover or a shutdown would. */
  terminateAll(): void {
    for (const connection of [...this.live]) {
      connection.socket?.terminate();
      this.goOffline(connection);
    }
  }
}
