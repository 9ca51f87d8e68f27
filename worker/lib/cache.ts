/**
 * The one kind of cache an isolate keeps: a Map with a size cap that drops its oldest entry beyond it. Every
 * per-isolate memory of the Worker and its objects (verified keys, programs and engines, current versions,
 * counter readings, object ids, MAC and seal keys, shop settings) is one of these, so none can grow without bound
 * in a long-lived isolate. Insertion order is the age: `set` (re-)inserts at the young end; `get` does not
 * refresh, except through `touch`.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Stores `value` as the youngest entry, dropping the oldest when the cap is reached. */
  set(key: K, value: V): V {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
    return value;
  }

  /** The entry's value, made the youngest; undefined when absent. */
  touch(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) this.set(key, value);
    return value;
  }

  /** The value under `key`, or `make()` stored there. */
  getOrSet(key: K, make: () => V): V {
    const value = this.entries.get(key);
    return value !== undefined ? value : this.set(key, make());
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
