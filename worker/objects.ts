/**
 * Durable Object stubs by name, with the name → id derivation remembered per isolate. `getByName` derives the id
 * (a keyed hash of the name) on every call; the id of a name never changes, so the Worker's hot paths (an account
 * per quote and order, the shop's object, campaign counters) derive each once. Stubs themselves belong to the
 * request that made them and are made fresh each time.
 */
const MAX_IDS_PER_NAMESPACE = 4096;
const ids = new WeakMap<object, Map<string, DurableObjectId>>();

export function objectByName<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>, name: string,
): DurableObjectStub<T> {
  let known = ids.get(namespace);
  if (!known) ids.set(namespace, (known = new Map()));
  let id = known.get(name);
  if (!id) {
    id = namespace.idFromName(name);
    if (known.size >= MAX_IDS_PER_NAMESPACE) known.delete(known.keys().next().value!);
    known.set(name, id);
  }
  return namespace.get(id);
}
