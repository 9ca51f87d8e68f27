/**
 * Durable Object stubs by name, with the name → id derivation remembered per isolate. `getByName` derives the id
 * (a keyed hash of the name) on every call; the id of a name never changes, so the Worker's hot paths (an account
 * per quote and order, the shop's object, campaign counters) derive each once. Stubs themselves belong to the
 * request that made them and are made fresh each time.
 */
import { BoundedMap } from "./cache.ts";

const ids = new WeakMap<object, BoundedMap<string, DurableObjectId>>();

export function objectByName<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>, name: string,
): DurableObjectStub<T> {
  let known = ids.get(namespace);
  if (!known) ids.set(namespace, (known = new BoundedMap(4096)));
  return namespace.get(known.getOrSet(name, () => namespace.idFromName(name)));
}
