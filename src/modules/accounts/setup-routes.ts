import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems, ref, SetupBody, SetupQuery, SetupResponse, SetupStatus } from '../../contract/index.js';
import { answerTokens } from './refresh-cookie.js';
import { userView } from './routes.js';
import type { AccountsDeps } from './service.js';
import { createFirstAdmin, SETUP_TOKEN_TTL_SECONDS, setupStatus } from './setup.js';

const tags = ['accounts'];
const HOURS = SETUP_TOKEN_TTL_SECONDS / 3600;

/** First-run setup (registered under /api/auth): the first admin account, made with the printed link. */
export const setupRoutes: FastifyPluginAsyncTypebox<{ deps: AccountsDeps }> = async (app, { deps }) => {
  app.get(
    '/setup/',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Whether first-run setup is open, and whether a setup token is valid',
        description:
          'While no staff account exists the server prints a setup link `<base>/admin/setup?token=…` at ' +
          `start-up (valid ${HOURS} hours; each start prints a new one). Once any staff account exists, ` +
          '`setup_needed` is false for good (and `token_valid` false), while `POST` answers 410.',
        querystring: SetupQuery,
        response: { 200: ref(SetupStatus), ...problems(400) },
      },
    },
    async (request) => setupStatus(deps, request.query.token),
  );

  app.post(
    '/setup/',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Create the first admin with the setup token, and sign in',
        description:
          'Creates a staff account and answers as a login does. A wrong or expired token: 400 ' +
          '`setup_token_invalid`; the username, email and password (the rules of registration) are ' +
          'checked together: 400 `validation_error` naming every wrong field. Once a staff account ' +
          'exists (this call made it, or another did): 410 `setup_complete`. Of racing calls one wins.',
        body: ref(SetupBody),
        response: { 201: ref(SetupResponse), ...problems(400, 410) },
      },
    },
    async (request, reply) => {
      const { user, tokens } = await createFirstAdmin(deps, request.body, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      const inCookie = request.body.refresh_cookie === true;
      const answer = answerTokens(request, reply, tokens, inCookie, deps.signer.refreshTtlSeconds);
      return reply.code(201).send({ ...answer, user: userView(user) });
    },
  );
};
