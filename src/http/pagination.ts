import type { FastifyRequest } from 'fastify';
import { NotFound } from './errors.js';
import { publicUrlOf } from './public-url.js';

export interface PageParams {
  page: number;
  pageSize: number;
}

export function pageParams(query: { page?: number; page_size?: number }): PageParams {
  return { page: query.page ?? 1, pageSize: query.page_size ?? 50 };
}

export function offsetOf({ page, pageSize }: PageParams): number {
  return (page - 1) * pageSize;
}

/** A page past the last one is 404, as the contract says; page 1 of nothing is an empty page. */
export function assertPageExists({ page, pageSize }: PageParams, count: number): void {
  if (page > 1 && (page - 1) * pageSize >= count) {
    throw new NotFound(`Invalid page: page ${page} is past the last page.`);
  }
}

/**
 * `{count, next, previous, results}` with absolute links that keep the other query parameters,
 * under the public base URL (see public-url.ts).
 */
export function paged<T>(request: FastifyRequest, params: PageParams, count: number, results: T[]) {
  const link = (page: number) => {
    const url = publicUrlOf(request);
    if (page === 1) url.searchParams.delete('page');
    else url.searchParams.set('page', String(page));
    return url.toString();
  };
  const last = Math.max(1, Math.ceil(count / params.pageSize));
  return {
    count,
    next: params.page < last ? link(params.page + 1) : null,
    previous: params.page > 1 ? link(Math.min(params.page - 1, last)) : null,
    results,
  };
}

/** Pages an in-memory list (small lists such as the category tree). */
export function pageOf<T>(request: FastifyRequest, params: PageParams, all: T[]) {
  assertPageExists(params, all.length);
  const start = offsetOf(params);
  return paged(request, params, all.length, all.slice(start, start + params.pageSize));
}
