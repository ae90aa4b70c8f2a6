import { createHash } from 'node:crypto';

/** A stable GUID-shaped object id for a name, like Entra's `oid`: the same name gives the same id. */
export function subjectId(namespace: string, name: string): string {
  const hex = createHash('sha256').update(`${namespace}:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
