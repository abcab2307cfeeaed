import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPublicHttps } from '../../http/public-url.js';

const CART_COOKIE = 'cart_token';
const CART_HEADER = 'x-cart-token';
const THIRTY_DAYS = 30 * 24 * 60 * 60;

/** An opaque guest-cart token: 256 random bits. Only its SHA-256 is stored. */
export function newCartToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashCartToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The guest token a request carries, in the X-Cart-Token header or the cookie. */
export function requestCartToken(request: FastifyRequest): string | null {
  const header = request.headers[CART_HEADER];
  const value = (typeof header === 'string' ? header : undefined) ?? request.cookies[CART_COOKIE];
  return value && /^[\w-]{16,128}$/.test(value) ? value : null;
}

export function sendCartToken(request: FastifyRequest, reply: FastifyReply, token: string): void {
  void reply.header(CART_HEADER, token);
  void reply.setCookie(CART_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isPublicHttps(request),
    path: '/',
    maxAge: THIRTY_DAYS,
  });
}

export function clearCartToken(reply: FastifyReply): void {
  void reply.clearCookie(CART_COOKIE, { path: '/' });
}
