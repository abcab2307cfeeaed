import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The server's icon, the same drawing as the admin's (admin/public/favicon.svg; a test keeps
 * the two equal): `GET /favicon.ico` answers it, so that /, /docs and the JSON pages a
 * browser shows have one, and no page's console shows a 404 for it.
 */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f6feb"/>' +
  '<path d="M9 12h14l-1.2 13.2a1 1 0 0 1-1 .8H11.2a1 1 0 0 1-1-.8z" fill="#fff"/>' +
  '<path d="M12.5 14v-3.5a3.5 3.5 0 0 1 7 0V14" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round"/></svg>\n';

/** Where things are, from GET /: each an absolute URL under the public base. */
interface HomeLinks {
  admin: string;
  docs: string;
  openapi: string;
  api: string;
}

function homeLinks(base: string): HomeLinks {
  return {
    admin: `${base}/admin/`,
    docs: `${base}/docs`,
    openapi: `${base}/openapi.json`,
    api: `${base}/api/`,
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page for a person who opened the server's address in a browser. */
function homePage(shopName: string, base: string, links: HomeLinks): string {
  const name = escapeHtml(shopName);
  const item = (href: string, label: string, note: string) =>
    `<li><a href="${escapeHtml(href)}">${label}</a> <span>${note}</span></li>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} API</title>
<link rel="icon" type="image/svg+xml" href="${escapeHtml(`${base}/favicon.ico`)}">
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
ul { padding-left: 1.2rem; }
li { margin: .4rem 0; }
span { color: #59636e; }
a { color: #0969da; }
</style>
</head>
<body>
<h1>${name}</h1>
<p>The shop's API server.</p>
<ul>
${item(links.admin, 'Admin dashboard', 'for staff')}
${item(links.docs, 'API documentation', 'interactive reference')}
${item(links.openapi, 'OpenAPI document', 'for generating clients')}
${item(links.api, 'API root', 'every endpoint is under it')}
</ul>
</body>
</html>
`;
}

/** JSON when the client asks for it or names no HTML (curl, scripts); HTML for a browser. */
function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html') && !/^\s*application\/json/i.test(accept);
}

/**
 * `GET /` (the shop's name and where the admin, docs and API are) and `GET /favicon.ico`; both
 * public. The JSON's links are absolute, like every link the API writes; the page's are under
 * PUBLIC_URL when it is set, else from the root of whatever address the browser used.
 */
export function installHome(
  app: FastifyInstance,
  shopName: string,
  publicUrl: string | null,
): void {
  const pageBase = publicUrl ?? '';
  const page = homePage(shopName, pageBase, homeLinks(pageBase));
  app.get(
    '/',
    { config: { auth: 'none' }, schema: { hide: true } },
    async (request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('vary', 'Accept');
      if (wantsHtml(request)) return reply.type('text/html; charset=utf-8').send(page);
      return reply
        .type('application/json; charset=utf-8')
        .send({ name: shopName, links: homeLinks(app.publicBase(request)) });
    },
  );
  app.get(
    '/favicon.ico',
    { config: { auth: 'none' }, schema: { hide: true } },
    async (_request, reply) =>
      reply
        .type('image/svg+xml')
        .header('cache-control', 'public, max-age=86400')
        .send(FAVICON_SVG),
  );
}
