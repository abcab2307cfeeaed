import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, login, makeUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

const SECRET = new TextEncoder().encode('test-secret-that-is-long-enough-for-hs256-0123456789');
const ISSUER = 'shop-api';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await buildTestApp();
});
afterAll(async () => ctx?.close());

const refresh = (token: unknown) =>
  ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: { refresh: token } });

const profile = (headers: Record<string, string> = {}) =>
  ctx.app.inject({ method: 'GET', url: '/api/auth/profile/', headers });


/** The token with its payload replaced (signature kept), as a forger would try. */
function withPayload(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  change(claims);
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

function signAccess(
  claims: Record<string, unknown>,
  sub: string,
  build?: (jwt: SignJWT) => SignJWT,
) {
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(ISSUER);
  jwt = build ? build(jwt) : jwt.setIssuedAt().setExpirationTime('5m');
  return jwt.sign(SECRET);
}

describe('POST /api/auth/token/refresh/', () => {
  it('rotates: the new pair works and the old refresh token stops working', async () => {
    const user = await makeUser(ctx);
    const res = await refresh(user.refresh);
    expect(res.statusCode, res.body).toBe(200);
    const pair = res.json();
    expect(Object.keys(pair).sort()).toEqual(['access', 'refresh']);
    expect(pair.refresh).not.toBe(user.refresh);
    expect(pair.access).not.toBe(user.access);

    expect((await profile(bearer(pair.access))).statusCode).toBe(200);
    // The previous access token is not revoked by the rotation itself…
    expect((await profile(bearer(user.access))).statusCode).toBe(200);
    // …but presenting the rotated refresh token again is reuse: that login ends, its
    // access tokens included.
    expectProblem(await refresh(user.refresh), 401, 'token_invalid');
    expectProblem(await profile(bearer(user.access)), 401, 'token_invalid');
    expectProblem(await profile(bearer(pair.access)), 401, 'token_invalid');
  });

  it('keeps rotating along a chain', async () => {
    const user = await makeUser(ctx);
    let token = user.refresh;
    for (let i = 0; i < 3; i++) {
      const res = await refresh(token);
      expect(res.statusCode, res.body).toBe(200);
      token = res.json().refresh;
    }
    expect((await refresh(token)).statusCode).toBe(200);
  });

  it('revokes the whole family when a rotated token is reused, but not another login', async () => {
    const user = await makeUser(ctx);
    const other = await login(ctx, user);

    const second = (await refresh(user.refresh)).json().refresh as string;
    const third = (await refresh(second)).json().refresh as string;
    expect(third).toEqual(expect.any(String));

    // The stolen first token comes back.
    const reuse = expectProblem(await refresh(user.refresh), 401, 'token_invalid');
    expect(reuse.detail).toMatch(/already used/);
    // The legitimate newest token of that login is now dead too.
    expectProblem(await refresh(third), 401, 'token_invalid');
    // The session from the separate login is untouched.
    const res = await refresh(other.refresh);
    expect(res.statusCode, res.body).toBe(200);
    expect((await profile(bearer(res.json().access))).statusCode).toBe(200);
  });

  it('lets only one of two concurrent rotations of one token succeed', async () => {
    const user = await makeUser(ctx);
    const results = await Promise.all([refresh(user.refresh), refresh(user.refresh)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('rejects an access token', async () => {
    const user = await makeUser(ctx);
    expectProblem(await refresh(user.access), 401, 'token_invalid');
    // and the refresh token was not consumed by that attempt
    expect((await refresh(user.refresh)).statusCode).toBe(200);
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['three garbage parts', 'aaa.bbb.ccc'],
  ])('rejects %s', async (_label, token) => {
    expectProblem(await refresh(token), 401, 'token_invalid');
  });

  it('rejects a tampered refresh token', async () => {
    const victim = await makeUser(ctx);
    const attacker = await makeUser(ctx);
    const forged = withPayload(attacker.refresh, (c) => {
      c.sub = String(victim.id);
    });
    expectProblem(await refresh(forged), 401, 'token_invalid');
  });

  it('rejects a refresh token signed with another secret', async () => {
    const user = await makeUser(ctx);
    const token = await new SignJWT({ typ: 'refresh', fam: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(user.id))
      .setIssuer(ISSUER)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-that-is-long-enough-for-hs256-xyz'));
    expectProblem(await refresh(token), 401, 'token_invalid');
  });

  it('rejects a well-signed refresh token that was never issued', async () => {
    const user = await makeUser(ctx);
    const id = crypto.randomUUID();
    const token = await new SignJWT({ typ: 'refresh', fam: id })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(user.id))
      .setIssuer(ISSUER)
      .setJti(id)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(SECRET);
    expectProblem(await refresh(token), 401, 'token_invalid');
  });

  it('requires the refresh field', async () => {
    expectProblem(
      await ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: {} }),
      400,
      'validation_error',
      'refresh',
    );
    expectProblem(await refresh(''), 400, 'validation_error', 'refresh');
  });
});

describe('bearer authentication', () => {
  it('answers 401 not_authenticated with WWW-Authenticate when there is no Authorization', async () => {
    const res = await profile();
    const body = expectProblem(res, 401, 'not_authenticated');
    expect(body.errors).toBeUndefined();
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('accepts a valid access token', async () => {
    const user = await makeUser(ctx);
    const res = await profile(bearer(user.access));
    expect(res.statusCode).toBe(200);
    expect(res.json().username).toBe(user.username);
  });

  it('rejects a refresh token used as a bearer token', async () => {
    const user = await makeUser(ctx);
    const res = await profile(bearer(user.refresh));
    expectProblem(res, 401, 'token_invalid');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['an empty-looking token', '...'],
  ])('rejects %s', async (_label, token) => {
    expectProblem(await profile(bearer(token)), 401, 'token_invalid');
  });

  it('rejects an access token whose payload was changed to another user', async () => {
    const victim = await makeUser(ctx);
    const attacker = await makeUser(ctx);
    const forged = withPayload(attacker.access, (c) => {
      c.sub = String(victim.id);
    });
    expectProblem(await profile(bearer(forged)), 401, 'token_invalid');
  });

  it('rejects an unsigned (alg none) token', async () => {
    const user = await makeUser(ctx);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({
        typ: 'access',
        ver: 0,
        sub: String(user.id),
        iss: ISSUER,
        iat: now,
        exp: now + 300,
      }),
    ).toString('base64url');
    expectProblem(await profile(bearer(`${header}.${payload}.`)), 401, 'token_invalid');
  });

  it('rejects an expired access token', async () => {
    const user = await makeUser(ctx);
    const now = Math.floor(Date.now() / 1000);
    const fam = decodeJwt(user.refresh).fam as string;
    const expired = await signAccess({ typ: 'access', ver: 0, fam }, String(user.id), (jwt) =>
      jwt.setIssuedAt(now - 120).setExpirationTime(now - 60),
    );
    const body = expectProblem(await profile(bearer(expired)), 401, 'token_invalid');
    expect(body.detail).toMatch(/expired/);
    // The same token, unexpired, is accepted: the rejection above is for the expiry alone.
    const fresh = await signAccess({ typ: 'access', ver: 0, fam }, String(user.id));
    expect((await profile(bearer(fresh))).statusCode).toBe(200);
  });

  it('rejects a token from another issuer, or without a version', async () => {
    const user = await makeUser(ctx);
    const otherIssuer = await new SignJWT({ typ: 'access', ver: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(user.id))
      .setIssuer('someone-else')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(SECRET);
    expectProblem(await profile(bearer(otherIssuer)), 401, 'token_invalid');
    const noVersion = await signAccess({ typ: 'access' }, String(user.id));
    expectProblem(await profile(bearer(noVersion)), 401, 'token_invalid');
    const staleVersion = await signAccess({ typ: 'access', ver: 7 }, String(user.id));
    expectProblem(await profile(bearer(staleVersion)), 401, 'token_invalid');
  });

  it('rejects a token for a user that does not exist', async () => {
    const token = await signAccess({ typ: 'access', ver: 0 }, '2147483000');
    expectProblem(await profile(bearer(token)), 401, 'token_invalid');
  });

  it('rejects an Authorization header that is not "Bearer <token>"', async () => {
    const user = await makeUser(ctx);
    expectProblem(await profile({ authorization: `Basic ${user.access}` }), 401, 'token_invalid');
    expectProblem(await profile({ authorization: 'Bearer' }), 401, 'token_invalid');
    expectProblem(
      await profile({ authorization: `Bearer ${user.access} extra` }),
      401,
      'token_invalid',
    );
    // The scheme is case-insensitive.
    expect((await profile({ authorization: `bearer ${user.access}` })).statusCode).toBe(200);
  });
});
