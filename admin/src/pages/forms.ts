// Small helpers shared by the pricing pages' forms (promotions, tax classes, shipping methods).

/** The API's messages for the fields that are not on the form (shown above it, so none is lost). */
export function otherErrors(errors: Record<string, string[]>, shown: (field: string) => boolean): string[] {
  return Object.entries(errors)
    .filter(([field]) => !shown(field))
    .flatMap(([field, messages]) => messages.map((m) => (field && field !== 'body' ? `${field}: ${m}` : m)));
}

/** A form's text for an optional money or number: "" for null. */
export function textOf(value: string | number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

/** What an optional money field sends: null when blank, else the text as typed (the API checks it). */
export function moneyOrNull(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

/**
 * What an optional whole-number field sends: null when blank, the number when it is one, else
 * the text as typed, so that the API names the field (a body may not smuggle numbers as text).
 */
export function integerOrNull(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  return /^-?\d{1,15}$/.test(t) ? Number(t) : (t as unknown as number);
}

/** An ISO instant as a datetime-local input's value, in the browser's time zone. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value (browser's time zone) as an ISO instant; null when blank. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}
