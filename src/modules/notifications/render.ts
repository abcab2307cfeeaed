/**
 * A small Mustache subset for the e-mail templates: `{{name}}` (HTML-escaped in HTML,
 * as is in text), `{{{name}}}` (never escaped), `{{#list}}…{{/list}}` (once per item of an
 * array, with the item's fields in scope; once for any other truthy value) and
 * `{{^name}}…{{/name}}` (when empty or false). Names may be dotted (`order.number`).
 */
type TemplateValue = string | number | boolean | null | undefined | TemplateContext | TemplateContext[];
export interface TemplateContext {
  [key: string]: TemplateValue;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function lookup(scopes: TemplateContext[], name: string): TemplateValue {
  const [head, ...rest] = name.split('.');
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (!(head! in scopes[i]!)) continue;
    let value: TemplateValue = scopes[i]![head!];
    for (const part of rest) {
      value = value && typeof value === 'object' && !Array.isArray(value) ? value[part] : undefined;
    }
    return value;
  }
  return undefined;
}

function isEmpty(value: TemplateValue): boolean {
  return value === undefined || value === null || value === false || value === '' || (Array.isArray(value) && !value.length);
}

const TAG = /\{\{\{\s*([\w.]+)\s*\}\}\}|\{\{([#^/]?)\s*([\w.]+)\s*\}\}/g;

/** Renders a template; `html` escapes plain `{{…}}` values. A section left open is an error (templates are ours). */
export function render(template: string, context: TemplateContext, html: boolean): string {
  return renderIn(template, [context], html);
}

function renderIn(template: string, scopes: TemplateContext[], html: boolean): string {
  let out = '';
  let at = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(template); m; m = TAG.exec(template)) {
    out += template.slice(at, m.index);
    at = TAG.lastIndex;
    if (m[1]) {
      out += String(lookup(scopes, m[1]) ?? '');
      continue;
    }
    const [kind, name] = [m[2]!, m[3]!];
    if (kind === '') {
      const value = lookup(scopes, name);
      const text = isEmpty(value) && value !== 0 ? '' : String(value as string | number | boolean);
      out += html ? escapeHtml(text) : text;
      continue;
    }
    if (kind === '/') throw new Error(`template: {{/${name}}} without its opening tag`);
    const close = `{{/${name}}}`;
    const end = findClose(template, at, name);
    if (end < 0) throw new Error(`template: ${close} is missing`);
    const inner = template.slice(at, end);
    at = end + close.length;
    const value = lookup(scopes, name);
    if (kind === '^') {
      if (isEmpty(value)) out += renderIn(inner, scopes, html);
    } else if (Array.isArray(value)) {
      for (const item of value) out += renderIn(inner, [...scopes, item], html);
    } else if (!isEmpty(value)) {
      out += renderIn(inner, typeof value === 'object' && value ? [...scopes, value] : scopes, html);
    }
    TAG.lastIndex = at;
  }
  return out + template.slice(at);
}

/** The matching `{{/name}}` of a section opened before `from`, past nested sections of the same name. */
function findClose(template: string, from: number, name: string): number {
  const open = new RegExp(`\\{\\{[#^]\\s*${name.replace(/\./g, '\\.')}\\s*\\}\\}|\\{\\{/\\s*${name.replace(/\./g, '\\.')}\\s*\\}\\}`, 'g');
  open.lastIndex = from;
  let depth = 1;
  for (let m = open.exec(template); m; m = open.exec(template)) {
    depth += m[0].startsWith('{{/') ? -1 : 1;
    if (depth === 0) return m.index;
  }
  return -1;
}
