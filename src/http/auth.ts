import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { Forbidden, Unauthorized } from './errors.js';
import type { Actor } from '../kernel/actor.js';

/**
 * Every /api route declares who may call it in `config.auth`; a route without one fails
 * at start-up, so no route can forget it.
 * - `none`: credentials are not looked at (login, register, webhooks).
 * - `optional`: a valid token identifies the caller; a bad one is 401; none is a guest.
 * - `user`: a valid access token is required.
 * - `admin`: a valid access token of a staff user is required.
 */
type AuthLevel = 'none' | 'optional' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export type Authenticate = (token: string) => Promise<Actor>;

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new Unauthorized('The Authorization header must be "Bearer <access token>".', 'token_invalid');
  return match[1]!;
}

function hookFor(level: Exclude<AuthLevel, 'none'>, authenticate: Authenticate): onRequestAsyncHookHandler {
  return async (request) => {
    const token = bearer(request);
    if (token === null) {
      if (level === 'optional') return;
      throw new Unauthorized();
    }
    request.actor = await authenticate(token);
    if (level === 'admin' && !request.actor.isStaff) throw new Forbidden();
  };
}

/** Attaches the authentication hook each route asks for, and documents it in OpenAPI. */
export function installAuth(app: FastifyInstance, authenticate: Authenticate) {
  app.decorateRequest('actor', null);
  app.addHook('onRoute', (route) => {
    const level = route.config?.auth;
    if (!level) {
      if (route.url.startsWith('/api')) {
        throw new Error(`Route ${String(route.method)} ${route.url} does not declare config.auth`);
      }
      return;
    }
    if (level === 'none') {
      // Public: said explicitly, so that every operation of the document declares its security.
      if (route.schema) route.schema.security = [];
      return;
    }
    const existing = route.onRequest ? [route.onRequest].flat() : [];
    // After hooks other plugins attached (the rate limit counts rejected calls too).
    route.onRequest = [...existing, hookFor(level, authenticate)];
    if (route.schema) {
      const responses = (route.schema.response ??= {}) as Record<number, unknown>;
      responses[401] ??= { $ref: 'Problem' };
      if (level === 'admin') responses[403] ??= { $ref: 'Problem' };
      if (level !== 'optional') route.schema.security = [{ bearerAuth: [] }];
      else route.schema.security = [{ bearerAuth: [] }, {}];
    }
  });
}

/** The caller of a route declared `user` or `admin`. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new Unauthorized();
  return request.actor;
}
