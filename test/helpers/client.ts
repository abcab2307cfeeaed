/**
 * The generated Shop API client over `app.inject`: requests typed by the contract
 * (packages/client), answered in-process without a socket.
 */
import { createShopClient, type ShopClient } from '@shop/client';
import type { App } from '../../src/app.js';
import type { TestContext } from './app.js';

/** A `fetch` that hands each request to `app.inject` and wraps the answer as a Response. */
function injectFetch(app: App): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const body = request.body ? await request.text() : undefined;
    const res = await app.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      ...(body !== undefined ? { payload: body } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      for (const one of Array.isArray(value) ? value : [value]) {
        if (one !== undefined) headers.append(name, String(one));
      }
    }
    const empty = res.statusCode === 204 || res.statusCode === 304;
    return new Response(empty ? null : res.rawPayload, { status: res.statusCode, headers });
  };
}

/** The typed client for a test app, sending `access` as the bearer token when given. */
export function api(ctx: TestContext, access?: string | null): ShopClient {
  return createShopClient({
    baseUrl: 'http://test',
    fetch: injectFetch(ctx.app),
    ...(access ? { headers: { authorization: `Bearer ${access}` } } : {}),
  });
}

/** The data of a typed client answer, or an error naming the status and problem. */
export function dataOf<D>(what: string, answer: { data?: D; error?: unknown; response: Response }): D {
  if (answer.data === undefined) {
    throw new Error(`${what}: ${answer.response.status} ${JSON.stringify(answer.error)}`);
  }
  return answer.data;
}

export type { ResponseBody, Schemas } from '@shop/client';
