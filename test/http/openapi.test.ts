import type { TSchema } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as contract from '../../src/contract/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

interface Media {
  schema?: { $ref?: string; type?: string };
}
interface Parameter {
  in: string;
  name: string;
  description?: string;
  example?: unknown;
  examples?: unknown;
}
interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description?: string; content?: Record<string, Media> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

async function document(): Promise<Document> {
  const res = await ctx.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json<Document>();
}

function operations(doc: Document): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): [string, Operation] => [`${method} ${path}`, op]),
  );
}

/** Every exported schema of src/contract that carries an `$id`. */
function namedContractSchemas(): string[] {
  return Object.values(contract as Record<string, unknown>)
    .filter((value): value is TSchema & { $id: string } => {
      return typeof value === 'object' && value !== null && typeof (value as { $id?: unknown }).$id === 'string';
    })
    .map((schema) => schema.$id);
}

describe('the OpenAPI document, generated from src/contract', () => {
  it('gives every operation an operationId, security and problem+json error responses', async () => {
    const doc = await document();
    for (const [where, op] of operations(doc)) {
      expect(op.operationId, where).toMatch(/^[a-z]+[A-Za-z0-9]+$/);
      expect(Array.isArray(op.security), where).toBe(true);
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]/.test(status));
      // Liveness answers 200 whenever the process answers at all: no error to declare.
      if (where !== 'get /health/live') expect(errors.length, `${where} declares no error`).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        expect(Object.keys(response.content ?? {}), `${where} ${status}`).toEqual(['application/problem+json']);
        expect(response.content!['application/problem+json']!.schema, `${where} ${status}`).toEqual({
          $ref: '#/components/schemas/Problem',
        });
      }
    }
    const missing = doc.paths['/api/products/{id}/']!.get!.responses['404']!;
    expect(missing.description).toContain('`not_found`');
  });

  it('describes every path and query parameter, with an example', async () => {
    const doc = await document();
    let count = 0;
    for (const [where, op] of operations(doc)) {
      for (const parameter of op.parameters ?? []) {
        const name = `${where} ${parameter.in} ${parameter.name}`;
        expect(parameter.description, name).toBeTruthy();
        expect(parameter.example ?? parameter.examples, name).toBeDefined();
        count++;
      }
    }
    expect(count).toBeGreaterThan(40);
    const page = doc.paths['/api/products']!.get!.parameters!.find((p) => p.name === 'page');
    expect(page).toMatchObject({ in: 'query', example: 2 });
  });

  it('names every JSON body: requests and responses are components', async () => {
    const doc = await document();
    for (const [where, op] of operations(doc)) {
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        expect(media.schema?.$ref, `${where} request ${type}`).toMatch(/^#\/components\/schemas\/[A-Z]\w+$/);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (!type.includes('json')) continue;
          expect(media.schema?.$ref, `${where} ${status} ${type}`).toMatch(/^#\/components\/schemas\/[A-Z]\w+$/);
        }
      }
    }
    const login = doc.paths['/api/auth/login/']!.post!;
    expect(login.requestBody!.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/LoginBody' });
    expect(login.responses['200']!.content!['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/LoginResponse',
    });
  });

  it('has every named schema of src/contract among its components, the earlier names included', async () => {
    const doc = await document();
    const named = namedContractSchemas();
    expect(named.length).toBeGreaterThan(40);
    expect(new Set(named).size).toBe(named.length);
    for (const id of named) expect(doc.components.schemas, id).toHaveProperty(id);
    expect(contract.CONTRACT_SCHEMAS.map((s) => (s as { $id?: string }).$id).sort()).toEqual([...named].sort());
    for (const earlier of [
      'Problem',
      'User',
      'Address',
      'Category',
      'CategorySummary',
      'ProductListItem',
      'ProductDetail',
      'Cart',
      'OrderListItem',
      'OrderDetail',
      'AdminUser',
    ]) {
      expect(doc.components.schemas, earlier).toHaveProperty(earlier);
    }
  });

  it('still answers errors as problem+json, as the document says', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/api/products/no-such-product/' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'not_found', status: 404 });
  });
});
