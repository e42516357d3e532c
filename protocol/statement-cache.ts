// Per-connection prepared statements: (text + param types) → statement name, bounded LRU.
// An entry is only used by name once its ParseComplete has arrived; until then concurrent
// requests with the same text parse the unnamed statement, so a failed Parse never leaves a
// pipelined neighbour pointing at a statement that does not exist.

/** Cache key: parameter type OIDs plus text, so one text typed two ways is two statements. */
export function statementKey(text: string, types: readonly number[] | undefined): string {
  return types === undefined || types.length === 0 ? text : types.join(',') + '\0' + text;
}

export interface CachedStatement {
  readonly name: string;
  ready: boolean;
  /**
   * Milliseconds the last batch ending in this statement ran (-1 until one has): the pool
   * pipelines only behind batches whose statements were fast last time.
   */
  runMs: number;
}

interface Slot {
  readonly entry: CachedStatement;
  /** `clock` when the slot last moved to the end of the Map (its LRU position). */
  refreshed: number;
}

export class StatementCache {
  private readonly entries = new Map<string, Slot>();
  private counter = 0;
  /** Lookups and reservations so far. */
  private clock = 0;
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * A ready statement name (refreshed as most recently used), or undefined. The Map's order is
   * the eviction order; a hit moves its slot to the end only once more than a quarter of the
   * capacity's operations came since its last move (every request looks up two statements:
   * a delete and a set each time would be most of the lookup's cost). A slot is so at most
   * max/4 operations stale, never near the front while in use; a cache of under 4 stays exact.
   */
  lookup(key: string): CachedStatement | undefined {
    const slot = this.entries.get(key);
    if (slot === undefined) return undefined;
    this.clock++;
    if (slot.entry.ready && this.clock - slot.refreshed > this.max >> 2) {
      this.entries.delete(key);
      this.entries.set(key, slot);
      slot.refreshed = this.clock;
    }
    return slot.entry;
  }

  /** Reserve a name for a statement about to be parsed; returns names evicted to make room. */
  reserve(key: string): { entry: CachedStatement; evicted: string[] } {
    const entry: CachedStatement = { name: 'p' + (++this.counter).toString(36), ready: false, runMs: -1 };
    // A new key goes to the end; a re-reserved key keeps its place (as Map.set does).
    this.entries.set(key, { entry, refreshed: ++this.clock });
    const evicted: string[] = [];
    while (this.entries.size > this.max) {
      const oldestKey = this.entries.keys().next().value as string;
      const oldest = this.entries.get(oldestKey)!.entry;
      this.entries.delete(oldestKey);
      // A not-yet-confirmed statement is dropped silently: if its Parse succeeds it is closed below.
      if (oldest.ready) evicted.push(oldest.name);
    }
    return { entry, evicted };
  }

  /** Forget an entry if it still maps to this statement (after a failed Parse). */
  forget(key: string, entry: CachedStatement): void {
    if (this.entries.get(key)?.entry === entry) this.entries.delete(key);
  }

  has(key: string, entry: CachedStatement): boolean {
    return this.entries.get(key)?.entry === entry;
  }

  /** Forget everything; returns the names the server holds, for the caller to Close. */
  clear(): string[] {
    const ready = [...this.entries.values()].filter((s) => s.entry.ready).map((s) => s.entry.name);
    this.entries.clear();
    return ready;
  }
}
