import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../../http/auth.js';
import { attachedBodyErrors } from '../../http/problem.js';
import {
  Address,
  AddressBody,
  type AddressType,
  AddressList,
  AddressPatchBody,
  ChangePasswordBody,
  ChangePasswordResponse,
  IdParams,
  LoginBody,
  LoginResponse,
  LogoutBody,
  Message,
  PasswordResetBody,
  PasswordResetConfirmBody,
  problems,
  ProfileBody,
  ProfilePatchBody,
  ref,
  RefreshBody,
  RegisterBody,
  RegisterResponse,
  TokenPair,
  User,
} from '../../contract/index.js';
import { AppError, ValidationError } from '../../http/errors.js';
import * as addresses from './addresses.js';
import { answerTokens, clearRefreshCookie, refreshCookieOf } from './refresh-cookie.js';
import { confirmPasswordReset, requestPasswordReset, RESET_TOKEN_TTL_MINUTES } from './password-reset.js';
import * as service from './service.js';
import type { AccountsDeps, AfterLogin } from './service.js';
import type { AddressRow, UserRow } from './repository.js';

/** Lets another module act inside the login/register transaction (guest cart merge). */
export type LoginHook = (request: FastifyRequest, reply: FastifyReply) => AfterLogin | undefined;

export interface AccountsRoutesOptions {
  deps: AccountsDeps;
  loginHooks: LoginHook[];
}

export function userView(user: UserRow) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    phone: user.phone,
    is_staff: user.isStaff,
    date_joined: user.dateJoined.toISOString(),
  };
}

export function addressView(a: AddressRow) {
  return {
    id: a.id,
    address_type: a.addressType as AddressType,
    street_address: a.streetAddress,
    city: a.city,
    state: a.state,
    postal_code: a.postalCode,
    country: a.country,
    phone: a.phone,
    is_default: a.isDefault,
    created_at: a.createdAt.toISOString(),
  };
}

const tags = ['accounts'];

export const accountsRoutes: FastifyPluginAsyncTypebox<AccountsRoutesOptions> = async (
  app,
  { deps, loginHooks },
) => {
  const meta = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'],
  });
  const afterLogin = (request: FastifyRequest, reply: FastifyReply): AfterLogin | undefined => {
    const hooks = loginHooks.map((hook) => hook(request, reply)).filter((h) => h !== undefined);
    if (!hooks.length) return undefined;
    return async (tx, userId) => {
      for (const hook of hooks) await hook(tx, userId);
    };
  };

  app.post(
    '/register/',
    {
      config: { auth: 'none' },
      attachValidation: true,
      schema: {
        tags,
        summary: 'Create an account',
        description:
          'Merges the guest cart named by the request (cookie or X-Cart-Token), if any. A 400 names every ' +
          'wrong field at once: the schema’s, the password rules, password2 and a taken username or email.',
        body: ref(RegisterBody),
        response: { 201: ref(RegisterResponse), ...problems(400) },
      },
    },
    async (request, reply) => {
      const { user, tokens } = await service.register(
        deps,
        request.body,
        meta(request),
        afterLogin(request, reply),
        attachedBodyErrors(request),
      );
      request.log.info({ userId: user.id }, 'user registered');
      return reply
        .code(201)
        .send({ user: userView(user), tokens, message: 'User registered successfully' });
    },
  );

  app.post(
    '/login/',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Log in with username or email',
        description:
          'After LOGIN_MAX_FAILURES failures for one username from one IP within LOGIN_WINDOW_SECONDS, ' +
          'further attempts get 429 until the window passes.',
        body: ref(LoginBody),
        response: { 200: ref(LoginResponse), ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { user, tokens } = await service
        .login(deps, request.body, meta(request), afterLogin(request, reply))
        .catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'too_many_login_attempts') {
            request.log.warn({ username: request.body.username.trim().slice(0, 150), ip: request.ip }, 'login locked out');
          }
          throw err;
        });
      const inCookie = request.body.refresh_cookie === true;
      return { ...answerTokens(request, reply, tokens, inCookie, deps.signer.refreshTtlSeconds), user: userView(user) };
    },
  );

  app.post(
    '/token/refresh/',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Rotate a refresh token',
        description:
          'The presented refresh token stops working. Reusing a rotated token revokes the whole session, ' +
          'unless REFRESH_REUSE_GRACE_SECONDS is set and it comes back within that many seconds of its ' +
          'rotation while its successor is live: then the same successor pair is answered again. ' +
          'Without `refresh` in the body, the refresh cookie is used (a login with `refresh_cookie: true` ' +
          'set it): the new refresh token goes into the cookie and the body’s `refresh` is "". ' +
          'A refused cookie is cleared.',
        body: ref(RefreshBody),
        response: { 200: ref(TokenPair), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      if (request.body.refresh) return service.refresh(deps, request.body.refresh);
      const cookie = refreshCookieOf(request);
      if (!cookie) throw ValidationError.field('refresh', 'This field is required.');
      try {
        const tokens = await service.refresh(deps, cookie);
        return answerTokens(request, reply, tokens, true, deps.signer.refreshTtlSeconds);
      } catch (err) {
        // A refused token will not work again; a database that failed might.
        if (err instanceof AppError && err.status === 401) clearRefreshCookie(request, reply);
        throw err;
      }
    },
  );

  app.post(
    '/logout/',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Log out one session, or all of them',
        description:
          'With `all: true`, every refresh token and access token of the user stops working. With ' +
          '`current: true` (and no `refresh`), the session of the access token this call is made with ends. ' +
          'Without `refresh`, the refresh cookie is cleared.',
        body: ref(LogoutBody),
        response: { 200: ref(Message), ...problems(400) },
      },
    },
    async (request, reply) => {
      const accessToken = request.headers.authorization?.replace(/^Bearer\s+/i, '');
      await service.logout(deps, actorOf(request), request.body, accessToken);
      // A client of the cookie sends no refresh token (the cookie is not sent here).
      if (!request.body.refresh) clearRefreshCookie(request, reply);
      return { message: 'Logout successful' };
    },
  );

  const profileResponse = { 200: ref(User), ...problems(400) };
  app.get(
    '/profile/',
    { config: { auth: 'user' }, schema: { tags, summary: 'Your profile', response: profileResponse } },
    async (request) => userView(await service.getProfile(deps, actorOf(request))),
  );
  app.put(
    '/profile/',
    {
      config: { auth: 'user' },
      attachValidation: true,
      schema: { tags, summary: 'Replace your profile', body: ref(ProfileBody), response: profileResponse },
    },
    async (request) =>
      userView(await service.updateProfile(deps, actorOf(request), request.body, attachedBodyErrors(request))),
  );
  app.patch(
    '/profile/',
    {
      config: { auth: 'user' },
      attachValidation: true,
      schema: { tags, summary: 'Update your profile', body: ref(ProfilePatchBody), response: profileResponse },
    },
    async (request) =>
      userView(await service.updateProfile(deps, actorOf(request), request.body, attachedBodyErrors(request))),
  );

  app.post(
    '/password-reset/',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Ask for a password reset link by e-mail',
        description:
          'Always 200 with the same body, whether or not the address has an account (no account enumeration). ' +
          `The e-mail carries a single-use link valid for ${RESET_TOKEN_TTL_MINUTES} minutes; a new request ` +
          'replaces older links. Limited per address and per client IP (LOGIN_MAX_FAILURES per LOGIN_WINDOW_SECONDS): 429.',
        body: ref(PasswordResetBody),
        response: { 200: ref(Message), ...problems(400, 429) },
      },
    },
    async (request) => {
      const userId = await requestPasswordReset(deps, request.body.email, meta(request));
      // The user's id only: never the address asked for, the token or the e-mail.
      request.log.info({ userId }, userId === null ? 'password reset asked for no active account' : 'password reset requested');
      return { message: 'If an account has this e-mail address, a password reset link has been sent to it.' };
    },
  );

  app.post(
    '/password-reset/confirm/',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Set a new password with a reset token',
        description:
          'The password rules of registration apply (400 `validation_error` on `new_password` leaves the token ' +
          'usable). On success every session and access token of the user ends and a "password changed" e-mail ' +
          'is sent. An unknown, expired or used token: 400 `reset_token_invalid`.',
        body: ref(PasswordResetConfirmBody),
        response: { 200: ref(Message), ...problems(400) },
      },
    },
    async (request) => {
      const userId = await confirmPasswordReset(deps, request.body);
      request.log.info({ userId }, 'password reset completed');
      return { message: 'Your password has been reset. Log in with the new password.' };
    },
  );

  app.post(
    '/change-password/',
    {
      config: { auth: 'user' },
      attachValidation: true,
      schema: {
        tags,
        summary: 'Change your password',
        description:
          'Ends every session and access token, and answers a fresh token pair. A 400 names every wrong field ' +
          'at once: the schema’s, a wrong `old_password` and the password rules on `new_password`.',
        body: ref(ChangePasswordBody),
        response: { 200: ref(ChangePasswordResponse), ...problems(400) },
      },
    },
    async (request) => {
      const tokens = await service.changePassword(
        deps,
        actorOf(request),
        request.body,
        meta(request),
        attachedBodyErrors(request),
      );
      return { message: 'Password changed successfully', tokens };
    },
  );

  const addressTags = ['addresses'];
  const db = deps.database;
  app.get(
    '/addresses/',
    {
      config: { auth: 'user' },
      schema: { tags: addressTags, summary: 'Your addresses', response: { 200: ref(AddressList) } },
    },
    async (request) => (await addresses.listAddresses(db, actorOf(request))).map(addressView),
  );
  app.post(
    '/addresses/',
    {
      config: { auth: 'user' },
      attachValidation: true,
      schema: {
        tags: addressTags,
        summary: 'Add an address',
        body: ref(AddressBody),
        response: { 201: ref(Address), ...problems(400) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          addressView(
            await addresses.createAddress(db, actorOf(request), request.body, attachedBodyErrors(request)),
          ),
        ),
  );
  app.get(
    '/addresses/:id/',
    {
      config: { auth: 'user' },
      schema: {
        tags: addressTags,
        summary: 'One of your addresses',
        params: IdParams,
        response: { 200: ref(Address), ...problems(404) },
      },
    },
    async (request) => addressView(await addresses.getAddress(db, actorOf(request), request.params.id)),
  );
  for (const [method, body] of [
    ['PUT', ref(AddressBody)],
    ['PATCH', ref(AddressPatchBody)],
  ] as const) {
    app.route({
      method,
      url: '/addresses/:id/',
      config: { auth: 'user' },
      attachValidation: true,
      schema: {
        tags: addressTags,
        summary: method === 'PUT' ? 'Replace an address' : 'Update an address',
        params: IdParams,
        body,
        response: { 200: ref(Address), ...problems(400, 404) },
      },
      handler: async (request) =>
        addressView(
          await addresses.updateAddress(
            db,
            actorOf(request),
            (request.params as { id: number }).id,
            request.body,
            attachedBodyErrors(request),
          ),
        ),
    });
  }
  app.delete(
    '/addresses/:id/',
    {
      config: { auth: 'user' },
      schema: {
        tags: addressTags,
        summary: 'Delete an address',
        params: IdParams,
        response: { 204: Type.Null(), ...problems(404) },
      },
    },
    async (request, reply) => {
      await addresses.deleteAddress(db, actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
