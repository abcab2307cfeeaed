import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPublicHttps } from '../../http/public-url.js';

/**
 * The refresh token in an HttpOnly cookie, for the admin app (and any browser app on this
 * origin): script never sees it, and the browser sends it to the refresh route alone.
 * SameSite=Strict and a JSON-only POST keep other sites from using it (no CSRF).
 */
const REFRESH_COOKIE = 'shop_refresh';
const REFRESH_COOKIE_PATH = '/api/auth/token/refresh/';

function setRefreshCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeSeconds: number,
): void {
  void reply.setCookie(REFRESH_COOKIE, token, {
    path: REFRESH_COOKIE_PATH,
    httpOnly: true,
    sameSite: 'strict',
    secure: isPublicHttps(request),
    maxAge: maxAgeSeconds,
  });
}

export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(REFRESH_COOKIE, {
    path: REFRESH_COOKIE_PATH,
    httpOnly: true,
    sameSite: 'strict',
    secure: isPublicHttps(request),
  });
}

export function refreshCookieOf(request: FastifyRequest): string | undefined {
  const value = request.cookies[REFRESH_COOKIE];
  return value ? value : undefined;
}

/**
 * A token pair as answered: with the cookie asked for, the refresh token goes into the cookie
 * and the body's `refresh` is "" (script that reads the answer cannot take the session away).
 */
export function answerTokens<T extends { refresh: string }>(
  request: FastifyRequest,
  reply: FastifyReply,
  tokens: T,
  inCookie: boolean,
  maxAgeSeconds: number,
): T {
  if (!inCookie) return tokens;
  setRefreshCookie(request, reply, tokens.refresh, maxAgeSeconds);
  return { ...tokens, refresh: '' };
}
