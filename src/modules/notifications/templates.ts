import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { render, type TemplateContext } from './render.js';

/** Every e-mail the shop sends; each is templates/mail/<name>.html and <name>.txt. */
export type EmailTemplate =
  | 'order_confirmation'
  | 'payment_received'
  | 'order_shipped'
  | 'order_cancelled'
  | 'order_refunded'
  | 'welcome'
  | 'password_changed'
  | 'password_reset'
  | 'webhook_disabled';

/** The shop's branding, from SHOP_NAME and SHOP_URL. */
export interface Branding {
  shopName: string;
  shopUrl: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

// The same from src/ (tsx) and dist/ (built): both sit one level below the project root.
const DIR = fileURLToPath(new URL('../../../templates/mail/', import.meta.url));
const cache = new Map<string, string>();

function file(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(DIR + name, 'utf8');
    cache.set(name, text);
  }
  return text;
}

/**
 * Renders a template with the shop's branding. The text file's first line is the subject
 * (`Subject: …`); an order's `items` also fill `items_table` (HTML) and `items_text`.
 */
export function renderEmail(template: EmailTemplate, context: TemplateContext, brand: Branding): RenderedEmail {
  const scope: TemplateContext = { ...context, shop_name: brand.shopName, shop_url: brand.shopUrl };
  if (Array.isArray(context.items)) {
    scope.items_table = render(file('_order_items.html'), scope, true);
    scope.items_text = render(file('_order_items.txt'), scope, false).trimEnd();
  }
  const [first = '', ...rest] = render(file(`${template}.txt`), scope, false).split('\n');
  if (!first.startsWith('Subject: ')) throw new Error(`templates/mail/${template}.txt must start with "Subject: "`);
  // One line, bounded: a value with a line break must never become a header of its own.
  const subject = first.slice('Subject: '.length).replace(/[\r\n]+/g, ' ').trim().slice(0, 255);
  const body = rest.join('\n').replace(/^\n+/, '').trimEnd();
  return {
    subject,
    text: render(file('layout.txt'), { ...scope, body }, false).trimEnd() + '\n',
    html: render(file('layout.html'), { ...scope, subject, body: render(file(`${template}.html`), scope, true) }, true),
  };
}
