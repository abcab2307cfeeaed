import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { catalogState } from '../../db/schema/index.js';

/** SQL for the current catalog version, to read alongside a list page in the same query. */
export const catalogVersionSql = sql<number>`(select ${catalogState.version} from ${catalogState} where ${catalogState.id} = 1)`;

/** Marks every cached list count as outdated; call in the transaction of the change. */
export async function bumpCatalogVersion(ex: Executor): Promise<void> {
  await ex
    .update(catalogState)
    .set({ version: sql`${catalogState.version} + 1` })
    .where(eq(catalogState.id, 1));
}

export interface CachedCount {
  count: number;
  fuzzy: boolean;
}

/**
 * List counts by filter, each tagged with the catalog version it was counted at. A count
 * is only reused while the version is unchanged, so a write (here or on another instance)
 * is never followed by an old count. Bounded: the map is cleared when it grows too large.
 * Also the pages of searches (their count and ids), least recently used dropped first.
 */
export class CountCache {
  private readonly entries = new Map<string, CachedCount & { version: number }>();
  private readonly orders = new Map<string, CachedOrder>();
  private readonly pages = new Map<string, CachedPage>();

  constructor(
    private readonly maxEntries = 20_000,
    private readonly maxPages = 5_000,
  ) {}

  /** The last count for this filter and the version it was taken at (the caller checks the version). */
  peek(key: string): (CachedCount & { version: number }) | undefined {
    return this.entries.get(key);
  }

  set(key: string, version: number, value: CachedCount): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { ...value, version });
  }

  /** The ids of an unfiltered list in one ordering, at the version they were read at. */
  peekOrder(key: string): CachedOrder | undefined {
    return this.orders.get(key);
  }

  setOrder(key: string, order: CachedOrder): void {
    // One entry per ordering and visibility: a dozen at most.
    this.orders.set(key, order);
  }

  /** A page of a search, at the version it was read at (the caller checks it). */
  peekPage(key: string): CachedPage | undefined {
    const page = this.pages.get(key);
    if (page) {
      // Map keeps insertion order: moving the entry to the end makes the first the least recent.
      this.pages.delete(key);
      this.pages.set(key, page);
    }
    return page;
  }

  setPage(key: string, page: CachedPage): void {
    this.pages.delete(key);
    this.pages.set(key, page);
    if (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value!);
  }
}

/** A search's page: its total, whether it fell back to similar names, its ids in order. */
export interface CachedPage extends CachedCount {
  version: number;
  ids: Int32Array;
}

export interface CachedOrder {
  version: number;
  ids: Int32Array;
}
